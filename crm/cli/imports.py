"""`rapport import-partners FILE.csv`: import a recruitment list from the command line.

Every invalid row is printed as `row N: field: reason` and skipped; the valid rows are
imported together in one transaction. Exit status: 0 when the import ran (also with skipped
rows, which a warning counts), 1 when the file or the options are wrong or the database
refused the import (nothing is written then).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from crm.auth.service import find_user
from crm.errors import DomainError
from crm.imports.plan import Decision
from crm.imports.report import ImportReport, plural
from crm.imports.service import import_options, preview_import, run_import
from crm.models import SOURCES


def _print_invalid(decision: Decision) -> None:
    for field, reason in decision.errors.items():
        click.echo(f"row {decision.row}: {field}: {reason}")


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


@click.command("import-partners")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_name", help="Recruitment list name (default: the file name).")
@click.option("--source", type=click.Choice(SOURCES), default="other", show_default=True,
              help="Where these partners were found; a row's Source cell overrides it.")
@click.option("--owner", "owner_email", help="Email of the user who owns new partners.")
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@with_appcontext
def import_partners_command(
    path: Path, list_name: str | None, source: str, owner_email: str | None, dry_run: bool
) -> None:
    """Import partners from a CSV recruitment list; duplicates merge into existing partners."""
    owner = find_user(owner_email) if owner_email else None
    if owner_email and owner is None:
        _fail(f"no user with email {owner_email}")
    try:
        options = import_options(path.name, list_name, source, owner.id if owner else None)
        run = preview_import if dry_run else run_import
        report = run(path, options, on_invalid=_print_invalid)
    except DomainError as error:
        _fail(" ".join([error.message, *(f"{k}: {v}." for k, v in error.fields.items())]))
    _print_summary(report, dry_run)


def _print_summary(report: ImportReport, dry_run: bool) -> None:
    click.echo(f"{report.file_name}: {report.layout}")
    click.echo("columns: " + ", ".join(f"{header} → {field}" for header, field in report.columns))
    if report.ignored:
        click.echo("ignored columns: " + ", ".join(report.ignored))
    click.echo(f"list '{report.list_name}' (source: {report.source}): {report.summary()}")
    if dry_run:
        click.echo("dry run: nothing was written")
    else:
        click.echo(f"imported: {plural(report.counts['new'], 'new partner')} added, "
                   f"{plural(report.counts['merged'], 'duplicate row')} merged")
    invalid = report.counts["invalid"]
    if invalid:
        verb = "would be" if dry_run else ("was" if invalid == 1 else "were")
        click.echo(f"warning: {plural(invalid, 'invalid row')} {verb} skipped (listed above); "
                   "fix them and import the file again: rows already imported will merge, "
                   "not double", err=True)
