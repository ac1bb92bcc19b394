"""`rapport demo`: load a believable agency (filled in by the demo work)."""

import click
from flask.cli import with_appcontext


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load demo data (stub)."""
    raise click.ClickException("not implemented yet")
