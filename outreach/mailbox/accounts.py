"""A stored mailbox as server accounts: its IMAP and SMTP endpoints, and its own addresses."""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.models import Mailbox, User
from outreach.mailbox.connection import Endpoint
from outreach.mailbox.credentials import Secrets, unseal


def mailbox_of(user: User | int) -> Mailbox | None:
    """The user's connected mailbox, if any."""
    user_id = user if isinstance(user, int) else user.id
    return db.session.scalar(select(Mailbox).where(Mailbox.user_id == user_id))


def imap_endpoint(mailbox: Mailbox, secrets: Secrets | None = None) -> Endpoint:
    secrets = secrets or unseal(mailbox.sealed_secrets)
    return Endpoint("imap", mailbox.imap_host, mailbox.imap_port, mailbox.imap_security,
                    mailbox.imap_username, secrets.imap_password)


def smtp_endpoint(mailbox: Mailbox, secrets: Secrets | None = None) -> Endpoint:
    secrets = secrets or unseal(mailbox.sealed_secrets)
    return Endpoint("smtp", mailbox.smtp_host, mailbox.smtp_port, mailbox.smtp_security,
                    mailbox.smtp_username, secrets.smtp_password)


def own_addresses(mailbox: Mailbox, user: User) -> set[str]:
    """The addresses that are the manager writing (their mail, not a partner's)."""
    found = {mailbox.email_address, user.email, user.sending_address or ""}
    return {address.strip().lower() for address in found if address}
