"""`rapport followups scan`: run the follow-up rules now and say what each did."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import event

from crm.extensions import db
from outreach.followups import scan


@click.group("followups")
def followups_group() -> None:
    """Follow-up flags raised by rules."""


@followups_group.command("scan")
@with_appcontext
def scan_command() -> None:
    """Run every rule once (nothing happens while another scan holds the lease)."""
    statements = []

    def count(*_args) -> None:
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        report = scan()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    if report.skipped:
        click.echo("Another scan is running; nothing done.")
        return
    for rule, seconds in report.seconds.items():
        click.echo(f"{rule:22} raised {report.raised[rule]:6,}  cleared "
                   f"{report.cleared[rule]:6,}  {seconds * 1000:8.1f} ms")
    click.echo(f"snoozed flags reopened: {report.woken}; SQL statements: {len(statements)}; "
               f"total {sum(report.seconds.values()):.2f} s")
