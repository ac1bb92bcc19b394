"""A mailbox's two passwords at rest: sealed together as one token (crm.credentials)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from crm.credentials import CredentialsUnreadable, open_text, seal_text

__all__ = ["CredentialsUnreadable", "Secrets", "seal", "unseal"]


@dataclass(frozen=True)
class Secrets:
    """The two passwords of a mailbox; repr never shows them."""

    imap_password: str = field(repr=False)
    smtp_password: str = field(repr=False)


def seal(secrets: Secrets) -> str:
    """The passwords as one token, sealed with the newest key."""
    return seal_text(json.dumps({"imap": secrets.imap_password, "smtp": secrets.smtp_password}))


def unseal(token: str) -> Secrets:
    """The passwords back; CredentialsUnreadable when no key opens them."""
    plain = json.loads(open_text(token))
    return Secrets(plain["imap"], plain["smtp"])
