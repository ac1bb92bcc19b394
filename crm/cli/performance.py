"""`rapport import-performance FILE.csv [--client NAME] [--dry-run]`: import daily figures.

Every bad row is printed as `row N: field: reason` (the first 200, then a count) and nothing
is written. Exit status: 0 when the file imported (or, with --dry-run, would import), 1 when
the file, the options or any row is wrong.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from crm.errors import DomainError
from crm.imports.report import plural
from crm.performance.report import PerformanceReport
from crm.performance.service import RowsRejected, import_file, import_options, preview_file


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(1)


@click.command("import-performance")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--client", "client", help="Client (name or id) of every row; the file's "
              "Client column is then ignored.")
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change; "
              "write nothing.")
@with_appcontext
def import_performance_command(path: Path, client: str | None, dry_run: bool) -> None:
    """Import daily clicks, conversions, revenue and commission from a network's CSV export."""
    try:
        options = import_options(path.name, client)
        report = preview_file(path, options) if dry_run else import_file(path, options)
    except RowsRejected as rejected:
        _print_report(rejected.report)
        _fail(rejected.message)
    except DomainError as error:
        _fail(error.message)
    _print_report(report)
    if report.invalid:  # a dry run reports bad rows instead of raising
        _fail(f"{plural(report.invalid, 'row')} not valid; nothing would be imported.")
    click.echo("dry run: nothing was written" if dry_run else
               f"imported: {plural(report.new_days, 'new day')}, "
               f"{plural(report.replaced_days, 'day')} replaced")


def _print_report(report: PerformanceReport) -> None:
    click.echo(f"{report.file_name}: " + ", ".join(
        f"{header} → {field}" for header, field in report.columns))
    if report.ignored:
        click.echo("ignored columns: " + ", ".join(report.ignored))
    click.echo(report.summary())
    for p in report.programs.values():
        click.echo(f"  {p.name}: {plural(p.rows, 'day')} from {p.first_day} to {p.last_day}, "
                   f"{p.clicks:,} clicks, {p.conversions:,} conversions, {p.revenue} revenue, "
                   f"{p.commission} commission")
    for line in report.error_lines():
        click.echo(line)
