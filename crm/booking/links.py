"""Signed, expiring booking links: a partner's own, a manager's general one, and a booked
call's reschedule/cancel link.

Each is an id signed with a timestamp under its own salt, so a token made for one kind
opens nothing of another. The scheduler tick puts a partner's link into every welcome
email it renders (10,000 a tick), so signing must cost one HMAC: the signer and its keyed
HMAC are made once per secret and salt, as for unsubscribe links.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner

from outreach.unsubscribe import _KeyedSigner

PARTNER_SALT = "rapport.booking.partner"
MANAGER_SALT = "rapport.booking.manager"
CALL_SALT = "rapport.booking.call"
# A booked call's link is in its invitation; it must outlive the furthest bookable day.
CALL_LINK_DAYS = 400
TOKEN_LIMIT = 200


@lru_cache(maxsize=8)
def _signer_for(secret_key: str, salt: str) -> TimestampSigner:
    return _KeyedSigner(secret_key, salt=salt)


def _signer(salt: str) -> TimestampSigner:
    return _signer_for(current_app.config["SECRET_KEY"], salt)


def _url(path: str) -> str:
    return f"{current_app.config['RAPPORT_BASE_URL']}{path}"


def _unsign(token: str, salt: str, days: int) -> str | None:
    if not token or len(token) > TOKEN_LIMIT:
        return None
    try:
        return _signer(salt).unsign(token, max_age=days * 24 * 3600).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def _link_days() -> int:
    return current_app.config["RAPPORT_BOOKING_LINK_DAYS"]


def partner_link(partner_id: int) -> str:
    """The partner's own booking page (`{{ booking_link }}` in templates)."""
    return _url(f"/book/p/{_signer(PARTNER_SALT).sign(str(partner_id)).decode()}")


def partner_from_token(token: str) -> int | None:
    """The partner id a valid partner-link token was made for; None if forged or expired."""
    value = _unsign(token, PARTNER_SALT, _link_days())
    return int(value) if value and value.isdigit() else None


def manager_link(user_id: int, version: int) -> str:
    """A manager's general booking page, for people who are not partners yet."""
    return _url(f"/book/m/{_signer(MANAGER_SALT).sign(f'{user_id}-{version}').decode()}")


def manager_from_token(token: str) -> tuple[int, int] | None:
    """(user id, link version) of a valid general-link token; None if forged or expired."""
    value = _unsign(token, MANAGER_SALT, _link_days())
    user_id, _, version = (value or "").partition("-")
    return (int(user_id), int(version)) if user_id.isdigit() and version.isdigit() else None


def call_token(meeting_id: int) -> str:
    return _signer(CALL_SALT).sign(str(meeting_id)).decode()


def call_link(meeting_id: int) -> str:
    """Where the partner reschedules or cancels a call they booked."""
    return _url(f"/book/call/{call_token(meeting_id)}")


def meeting_from_token(token: str) -> int | None:
    """The meeting id of a valid call-link token; None if forged or expired."""
    value = _unsign(token, CALL_SALT, CALL_LINK_DAYS)
    return int(value) if value and value.isdigit() else None
