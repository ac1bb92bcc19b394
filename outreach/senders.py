"""Who an email is sent as: a user's own sending identity, or the system sender.

Every path that queues an email as a person (campaigns, compose, invitations) asks here, so
From is decided in one place. RAPPORT_MAIL_FROM stays the fallback address.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import select

from crm.extensions import db
from crm.models import Mailbox, User


@dataclass(frozen=True)
class Sender:
    """The From of an email and the user it is sent as (None: the system sender)."""

    name: str
    address: str
    user_id: int | None = None


def system_sender() -> Sender:
    """RAPPORT_MAIL_FROM, as configured."""
    name, address = parseaddr(current_app.config["RAPPORT_MAIL_FROM"])
    return Sender(name or "Rapport", address)


def sender_for(user: User | None) -> Sender:
    """The identity emails sent as `user` carry: their name, and the address of their
    connected mailbox (whose SMTP server then sends them, see outreach.mailbox.mailers), else
    their sending address when they have one set, else RAPPORT_MAIL_FROM's address."""
    system = system_sender()
    if user is None:
        return system
    mailbox_address = db.session.scalar(
        select(Mailbox.email_address).where(Mailbox.user_id == user.id))
    return Sender(user.name, mailbox_address or user.sending_address or system.address, user.id)
