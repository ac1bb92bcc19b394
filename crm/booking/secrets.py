"""The calendar password, encrypted at rest with a key derived from RAPPORT_SECRET_KEY.

Fernet (AES-128-CBC + HMAC-SHA256) from `cryptography`. A changed secret key makes a stored
password unreadable: the calendar read then says so and the manager enters it again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

CONTEXT = b"rapport.booking.calendar-password"


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    return Fernet(base64.urlsafe_b64encode(hmac.new(secret, CONTEXT, hashlib.sha256).digest()))


def encrypt(password: str) -> str:
    """The stored form of a password ("" stays "")."""
    return _fernet().encrypt(password.encode()).decode() if password else ""


def decrypt(stored: str) -> str | None:
    """The password again; None when it was encrypted under another secret key."""
    if not stored:
        return ""
    try:
        return _fernet().decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return None
