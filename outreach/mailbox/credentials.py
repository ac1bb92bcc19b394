"""Mailbox passwords at rest: sealed with Fernet, under keys that can be rotated.

The keys come from RAPPORT_MAILBOX_KEYS (comma-separated, newest first), else from
RAPPORT_SECRET_KEY. Each entry is either a Fernet key (`rapport mailbox new-key` prints one)
or any other secret, from which a key is derived with HKDF-SHA256; so an old
RAPPORT_SECRET_KEY can stay in the list, as a passphrase, while `rapport mailbox
rotate-keys` seals everything again under the newest key. MultiFernet seals with the first
key and opens with any of them.

The passwords only ever leave here as the plain strings a connection needs; nothing in this
module logs or formats them.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from sqlalchemy import select

from crm.extensions import db
from crm.models import Mailbox

# Changing these changes every derived key: stored passwords would no longer open.
HKDF_SALT = b"rapport mailbox credentials"
HKDF_INFO = b"fernet key v1"


class CredentialsUnreadable(Exception):
    """No configured key opens the stored passwords (a key was removed too early)."""


@dataclass(frozen=True)
class Secrets:
    """The two passwords of a mailbox; repr never shows them."""

    imap_password: str = field(repr=False)
    smtp_password: str = field(repr=False)


def fernet_key(entry: str) -> Fernet:
    """A Fernet key given as such, or one derived from any other secret (HKDF-SHA256)."""
    try:
        return Fernet(entry.encode())
    except ValueError:  # not 32 url-safe base64 bytes: a passphrase
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT,
                       info=HKDF_INFO).derive(entry.encode())
        return Fernet(base64.urlsafe_b64encode(derived))


def new_key() -> str:
    """A fresh random Fernet key, for RAPPORT_MAILBOX_KEYS."""
    return Fernet.generate_key().decode()


def keyring(app: Flask | None = None) -> MultiFernet:
    """The app's keys, newest first (built once per app)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    ring = app.extensions.get("rapport.mailbox_keys")
    if ring is None:
        entries = app.config["RAPPORT_MAILBOX_KEYS"] or (app.config["SECRET_KEY"],)
        ring = app.extensions["rapport.mailbox_keys"] = MultiFernet(
            [fernet_key(entry) for entry in entries])
    return ring


def seal(secrets: Secrets) -> str:
    """The passwords as one token, sealed with the newest key."""
    plain = json.dumps({"imap": secrets.imap_password, "smtp": secrets.smtp_password})
    return keyring().encrypt(plain.encode()).decode("ascii")


def unseal(token: str) -> Secrets:
    """The passwords back; CredentialsUnreadable when no key opens them."""
    try:
        plain = json.loads(keyring().decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError):
        raise CredentialsUnreadable(
            "The stored mailbox password cannot be decrypted with the configured keys "
            "(RAPPORT_MAILBOX_KEYS / RAPPORT_SECRET_KEY); connect the mailbox again.") from None
    return Secrets(plain["imap"], plain["smtp"])


@dataclass(frozen=True)
class Rotation:
    """What rotate_all did: mailboxes sealed again, and those no key opens."""

    rotated: int
    unreadable: list[int]


def rotate_all() -> Rotation:
    """Seal every mailbox's passwords again under the newest key, in one transaction."""
    ring = keyring()
    rotated, unreadable = 0, []
    for mailbox in db.session.scalars(select(Mailbox).order_by(Mailbox.id)):
        try:
            mailbox.sealed_secrets = ring.rotate(mailbox.sealed_secrets.encode()).decode("ascii")
        except InvalidToken:
            unreadable.append(mailbox.id)
        else:
            rotated += 1
    db.session.commit()
    return Rotation(rotated, unreadable)
