"""`rapport demo`: load a believable agency to try Rapport with (local installs only)."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext

from crm import demo


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo data into an empty database (once); prints the demo logins."""
    status = demo.demo_status()
    if status == "no-schema":
        click.echo("error: the database has no tables; run `rapport db upgrade` first.", err=True)
        raise SystemExit(1)
    if status == "occupied":
        click.echo("Database already has data; demo not loaded.")
        return
    if status == "loaded":
        click.echo("Demo data already loaded.")
    else:
        started = time.perf_counter()
        summary = demo.load_demo()
        click.echo(
            f"Loaded demo data in {time.perf_counter() - started:.1f} s: "
            f"{summary.clients} clients, {summary.users} users, {summary.partners} partners, "
            f"{summary.interactions} interactions."
        )
    _print_logins()


def _print_logins() -> None:
    click.echo(
        f"Every demo user has the password {demo.DEMO_PASSWORD!r}: it is demo data for a "
        "local install, not for production."
    )
    for email, password, role, timezone in demo.demo_logins():
        click.echo(f"Demo login: {email} / {password}  ({role}, {timezone})")
