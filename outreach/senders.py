"""Who an email is sent as: a user's own sending identity, or the system sender.

Every path that queues an email as a person (campaigns, compose, invitations) asks here, so
From is decided in one place. RAPPORT_MAIL_FROM stays the fallback address.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from flask import current_app

from crm.models import User


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
    """The identity emails sent as `user` carry: their name, and their sending address when
    they have one set (else RAPPORT_MAIL_FROM's address)."""
    system = system_sender()
    if user is None:
        return system
    return Sender(user.name, user.sending_address or system.address, user.id)
