"""`rapport inbound`: read one raw RFC 5322 message on stdin (a Postfix pipe or procmail)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from crm.errors import DomainError
from crm.extensions import db
from outreach.inbound import MAX_BYTES
from outreach.inbound_apply import Received, receive

# sysexits.h EX_TEMPFAIL: Postfix's pipe and procmail keep the message and try again later.
EX_TEMPFAIL = 75


@click.command("inbound")
@with_appcontext
def inbound_command() -> None:
    """Process one raw message from stdin: reply, auto-reply, bounce or complaint.

    Prints `kind=… partner=… effects=… inbound=…`; exit 1 for input that is not a message,
    75 (try again later) when the database cannot be reached.
    """
    with click.open_file("-", "rb") as stdin:  # "-" is stdin, as bytes
        raw = stdin.read(MAX_BYTES + 1)
    context = click.get_current_context()
    try:
        received = receive(raw)
    except DomainError as error:
        click.echo(f"rapport inbound: {error.message}", err=True)
        context.exit(1)
    except SQLAlchemyError as error:
        db.session.rollback()
        click.echo(f"rapport inbound: database error, try again later: {error.__class__.__name__}",
                   err=True)
        context.exit(EX_TEMPFAIL)
    click.echo(summary_line(received))


def summary_line(received: Received) -> str:
    """One line for logs: kind=reply partner=12 effects=reply_logged inbound=7."""
    answer = received.as_dict()
    line = (f"kind={answer['kind']} partner={answer['partner_id'] or '-'} "
            f"effects={','.join(received.effects) or '-'} inbound={answer['id'] or '-'}")
    return line + " duplicate=yes" if received.duplicate else line
