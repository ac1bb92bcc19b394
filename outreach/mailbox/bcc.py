"""The BCC address: for managers who cannot give IMAP access, a secret address per user.

`<local>+<token>@<domain>` of RAPPORT_INBOUND_ADDRESS, so it reaches `rapport inbound` (or
POST /api/v1/inbound) like replies do. A message delivered to it is the user's own email: it
is logged as sent by them on the timeline of each partner among its recipients, once per
Message-ID, and otherwise not kept. Regenerating the address makes the old one plain
inbound mail again.
"""

from __future__ import annotations

import base64
import email.policy
import secrets
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser

from flask import current_app
from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import BccAddress, User
from outreach.inbound import message_ids
from outreach.mailbox.copies import log_copy, partners_with, sent_by_rapport
from outreach.mailbox.reading import (
    DELIVERY_HEADERS,
    RECIPIENT_HEADERS,
    addresses_in,
    derived_id,
    plus_token,
)
from outreach.messages import one_line


@dataclass
class BccCopy:
    """What a copy sent to a BCC address did."""

    effects: list[str] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    duplicate: bool = False


def _inbound_parts() -> tuple[str, str]:
    local, _, domain = current_app.config["RAPPORT_INBOUND_ADDRESS"].rpartition("@")
    return local.split("+")[0], domain


def address_for(token: str) -> str:
    local, domain = _inbound_parts()
    return f"{local}+{token}@{domain}"


def bcc_address(user: User) -> str | None:
    """The user's BCC address, or None when they have none yet."""
    row = db.session.get(BccAddress, user.id)
    return address_for(row.token) if row else None


def issue_bcc_address(user: User) -> str:
    """A new BCC address for the user; the old one stops working."""
    # 80 random bits, lowercase letters and digits: mail systems may lowercase a local part.
    token = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    row = db.session.get(BccAddress, user.id)
    if row is None:
        db.session.add(BccAddress(user_id=user.id, token=token, created_at=clock.now()))
    else:
        row.token, row.created_at = token, clock.now()
    db.session.commit()
    return address_for(token)


def remove_bcc_address(user: User) -> None:
    row = db.session.get(BccAddress, user.id)
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def owner_of(message: EmailMessage) -> tuple[User, str] | None:
    """The user whose BCC address this message was delivered to, and that address."""
    local, domain = _inbound_parts()
    tokens = {}
    for address in addresses_in(message, (*RECIPIENT_HEADERS, *DELIVERY_HEADERS)):
        token = plus_token(address, local, domain)
        if token:
            tokens[token] = address
    if not tokens:
        return None
    row = db.session.scalar(select(BccAddress).where(BccAddress.token.in_(tokens)))
    if row is None:
        return None
    user = db.session.get(User, row.user_id)
    return (user, tokens[row.token]) if user is not None and user.is_active else None


def log_bcc_copy(raw: bytes) -> BccCopy | None:
    """Log a copy sent to a BCC address; None when the message was not sent to one."""
    local, _ = _inbound_parts()
    # Every inbound message passes here: most are ruled out without parsing anything.
    if f"{local}+".encode().lower() not in raw.split(b"\r\n\r\n", 1)[0].lower():
        return None
    headers = BytesParser(policy=email.policy.default).parsebytes(raw, headersonly=True)
    found = owner_of(headers)
    if found is None:
        return None
    user, bcc = found
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    own = message_ids(one_line(str(message.get("Message-ID", ""))))
    message_id = own[0] if own else derived_id(raw.split(b"\r\n\r\n", 1)[0])
    if sent_by_rapport({message_id}):
        return BccCopy(["bcc_sent_by_rapport"], duplicate=True)
    sender = set(addresses_in(message, ("From",)))
    recipients = set(addresses_in(message, RECIPIENT_HEADERS)) - sender - {bcc}
    partners = list(partners_with(recipients).values())
    if not partners:
        db.session.rollback()
        return BccCopy(["bcc_no_partner"])
    references = tuple(dict.fromkeys(
        message_ids(one_line(str(message.get("References", ""))))
        + message_ids(one_line(str(message.get("In-Reply-To", ""))))))
    logged = log_copy(user, message, message_id, references, partners)
    return BccCopy([f"bcc_logged:{partner_id}" for partner_id in logged.added],
                   partner_ids=logged.added + logged.already,
                   duplicate=not logged.added)
