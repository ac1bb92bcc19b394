"""Passwords Rapport keeps to act for a user (their mailbox, their calendar), sealed at rest.

Sealed with Fernet under keys that can be rotated. The keys come from
RAPPORT_CREDENTIAL_KEYS (comma-separated, newest first), else from RAPPORT_SECRET_KEY. Each
entry is either a Fernet key (`rapport credentials new-key` prints one) or any other secret,
from which a key is derived with HKDF-SHA256; so an old RAPPORT_SECRET_KEY can stay in the
list, as a passphrase, while `rapport credentials rotate-keys` seals everything again under
the newest key. MultiFernet seals with the first key and opens with any of them.

Plain passwords only leave here as the strings a connection needs; nothing here logs or
formats them.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from sqlalchemy import select

from crm.extensions import db
from crm.models import Availability, Mailbox

# Changing these changes every derived key: stored passwords would no longer open.
HKDF_SALT = b"rapport stored credentials"
HKDF_INFO = b"fernet key v1"
_EXTENSION = "rapport.credential_keys"
# Every column holding a sealed token ("" means nothing stored), for rotate_all.
SEALED_COLUMNS = ((Mailbox, "sealed_secrets", "mailbox"),
                  (Availability, "calendar_password", "calendar password"))


class CredentialsUnreadable(Exception):
    """No configured key opens a stored password (a key was removed too early)."""


def fernet_key(entry: str) -> Fernet:
    """A Fernet key given as such, or one derived from any other secret (HKDF-SHA256)."""
    try:
        return Fernet(entry.encode())
    except ValueError:  # not 32 url-safe base64 bytes: a passphrase
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT,
                       info=HKDF_INFO).derive(entry.encode())
        return Fernet(base64.urlsafe_b64encode(derived))


def new_key() -> str:
    """A fresh random Fernet key, for RAPPORT_CREDENTIAL_KEYS."""
    return Fernet.generate_key().decode()


def keyring(app: Flask | None = None) -> MultiFernet:
    """The app's keys, newest first (built once per app)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    ring = app.extensions.get(_EXTENSION)
    if ring is None:
        entries = app.config["RAPPORT_CREDENTIAL_KEYS"] or (app.config["SECRET_KEY"],)
        ring = app.extensions[_EXTENSION] = MultiFernet(
            [fernet_key(entry) for entry in entries])
    return ring


def seal_text(plain: str) -> str:
    """`plain` sealed with the newest key, as ASCII text for a column."""
    return keyring().encrypt(plain.encode()).decode("ascii")


def open_text(token: str) -> str:
    """The sealed text back; CredentialsUnreadable when no configured key opens it."""
    try:
        return keyring().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, ValueError):
        raise CredentialsUnreadable(
            "A stored password cannot be decrypted with the configured keys "
            "(RAPPORT_CREDENTIAL_KEYS / RAPPORT_SECRET_KEY); enter it again.") from None


@dataclass(frozen=True)
class Rotation:
    """What rotate_all did: tokens sealed again, and the rows no key opens ("mailbox 3")."""

    rotated: int
    unreadable: list[str] = field(default_factory=list)


def rotate_all() -> Rotation:
    """Seal every stored password again under the newest key, in one transaction."""
    ring = keyring()
    rotated, unreadable = 0, []
    for model, column, noun in SEALED_COLUMNS:
        attribute = getattr(model, column)
        for row in db.session.scalars(select(model).where(attribute != "")):
            try:
                setattr(row, column, ring.rotate(getattr(row, column).encode()).decode("ascii"))
            except InvalidToken:
                key = row.id if hasattr(row, "id") else row.user_id
                unreadable.append(f"{noun} {key}")
            else:
                rotated += 1
    db.session.commit()
    return Rotation(rotated, unreadable)
