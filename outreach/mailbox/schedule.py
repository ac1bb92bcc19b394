"""When mailboxes are read: due ones from the scheduler tick, and at once when asked."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from crm.extensions import db
from crm.models import Mailbox, User


def request_sync(mailbox_id: int) -> None:
    """Have a worker read the mailbox now (IDLE saw new mail, or the user asked)."""
    current_app.extensions["rapport.actors"]["sync_mailbox"].send(mailbox_id)


def readable_mailboxes():
    """Mailboxes that may be read: their password was not refused and their user is active
    (a deactivated colleague's mailbox stays connected, unread, until they come back)."""
    return (select(Mailbox.id, Mailbox.updated_at).join(User, User.id == Mailbox.user_id)
            .where(Mailbox.status != "auth_failed", User.is_active_user.is_(True)))


def request_due_syncs(now: datetime) -> list[int]:
    """Hand every mailbox whose next read is due to a worker; the ids sent.

    The next read is moved one interval on as the message is sent, so ticks in between do
    not send it again; a message the broker loses is sent again an interval later. A mailbox
    whose password was refused waits for the user (next_sync_at is None then).
    """
    ids = list(db.session.scalars(
        readable_mailboxes().where(Mailbox.next_sync_at <= now).order_by(Mailbox.next_sync_at)))
    if not ids:
        return []
    interval = timedelta(seconds=current_app.config["RAPPORT_MAILBOX_POLL_SECONDS"])
    db.session.execute(update(Mailbox).where(Mailbox.id.in_(ids))
                       .values(next_sync_at=now + interval))
    db.session.commit()
    for mailbox_id in ids:
        request_sync(mailbox_id)
    return ids
