"""Signed, expiring unsubscribe links (RFC 8058 one-click)."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "rapport.unsubscribe"
# Long enough that an old welcome email's link still works; signed so it cannot be forged.
MAX_AGE_SECONDS = 400 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(address: str) -> str:
    return _serializer().dumps({"e": address.strip().lower()})


def unsubscribe_url(address: str) -> str:
    return f"{current_app.config['RAPPORT_BASE_URL']}/unsubscribe/{make_token(address)}"


def address_from_token(token: str) -> str | None:
    """The address a valid token was made for, or None (forged, damaged or expired)."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except (BadSignature, SignatureExpired):
        return None
    return data.get("e") if isinstance(data, dict) else None
