"""`rapport mailbox …`: the IDLE watcher, and a sync by hand."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from crm.extensions import db
from crm.models import Mailbox, User


@click.group("mailbox")
def mailbox_group() -> None:
    """Connected mailboxes: live updates (IDLE), syncing."""


@mailbox_group.command("idle")
@with_appcontext
def idle_command() -> None:
    """Keep an IDLE connection to every connected mailbox; new mail wakes a sync at once.

    Run one (or two, for a stand-by: a lease keeps each mailbox on one of them) next to the
    workers in production; `rapport serve` runs its own. Stops on Ctrl+C or SIGTERM.
    """
    from outreach.mailbox.idle import IdleWatcher

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    watcher = IdleWatcher(app).start()
    click.echo("watching connected mailboxes with IDLE (Ctrl+C stops)")
    try:
        while not stop.wait(1):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        watcher.stop()


@mailbox_group.command("sync")
@click.option("--email", "email", default=None, help="Only this user's mailbox.")
@with_appcontext
def sync_command(email: str | None) -> None:
    """Read connected mailboxes now, in this process, printing progress."""
    from outreach.mailbox.sync import sync_mailbox

    query = select(Mailbox.id, User.email).join(User, User.id == Mailbox.user_id)
    if email:
        query = query.where(User.email == email.strip().lower())
    rows = db.session.execute(query.order_by(Mailbox.id)).all()
    if not rows:
        click.echo("rapport mailbox sync: no connected mailbox" + (f" for {email}" if email
                                                                  else ""), err=True)
        click.get_current_context().exit(1)
    failed = False
    for mailbox_id, owner in rows:
        report = sync_mailbox(mailbox_id, run_seconds=float("inf"), progress=lambda role, uid,
                              left, owner=owner: click.echo(f"{owner} {role}: up to UID {uid}, "
                                                            f"{left} left"))
        state = "busy (another sync runs)" if report.busy else report.error or "done"
        click.echo(f"{owner}: read {report.read}, logged {report.logged}, "
                   f"skipped {report.skipped}: {state}")
        failed = failed or bool(report.error)
    if failed:
        click.get_current_context().exit(1)
