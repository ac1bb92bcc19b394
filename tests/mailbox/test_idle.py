"""Live updates: new mail on the server wakes a sync within seconds, through IDLE."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from crm.extensions import db
from crm.models import Interaction
from outreach.mailbox.idle import IdleWatcher
from outreach.mailbox.sync import sync_mailbox
from tests.factories import make_partner
from tests.mailbox.helpers import MIA, append, connect, message

JAMIE = "jamie@trailnotes.com"


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_new_mail_wakes_a_sync_within_seconds_and_reaches_the_timeline(
        app, manager, dovecot, mail_user):
    jamie = make_partner(email=JAMIE)
    mailbox = connect(manager, mail_user, dovecot)
    woken: list[float] = []
    wake = threading.Event()

    def on_wake(mailbox_id: int) -> None:
        woken.append(time.monotonic())
        wake.set()

    watcher = IdleWatcher(app, wake=on_wake, refresh_seconds=0.1).start()
    try:
        assert wait_for(lambda: mailbox.id in watcher.idling(), 10)
        wake.clear()  # the catch-up wake when IDLE starts
        sent_at = time.monotonic()
        append(dovecot, mail_user, "INBOX", message(JAMIE, MIA, "Just arrived"))
        assert wake.wait(5), "IDLE did not report the new message within 5 s"
    finally:
        watcher.stop()
    sync_mailbox(mailbox.id)

    assert woken[-1] - sent_at < 5
    assert db.session.scalar(select(Interaction.summary).where(
        Interaction.partner_id == jamie.id)) == "Just arrived"
