"""`rapport inbound`: read one raw RFC 5322 message on stdin (filled in by the inbound work)."""

import click
from flask.cli import with_appcontext


@click.command("inbound")
@with_appcontext
def inbound_command() -> None:
    """Process one inbound message from stdin (stub)."""
    raise click.ClickException("not implemented yet")
