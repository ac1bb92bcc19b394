"""Users and API tokens: creating them and recognising them."""

from __future__ import annotations

import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from crm import clock
from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import ROLES, ApiToken, User

TOKEN_PREFIX = "rpt_"
MIN_PASSWORD_LENGTH = 10


def create_user(
    email: str, password: str, name: str, role: str = "manager", timezone: str = "UTC"
) -> User:
    """Create a login; the email is unique case-insensitively."""
    fields: dict[str, str] = {}
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        fields["email"] = str(error)
    if len(password) < MIN_PASSWORD_LENGTH:
        fields["password"] = f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if role not in ROLES:
        fields["role"] = f"must be one of {', '.join(ROLES)}"
    if not name.strip():
        fields["name"] = "is required"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        fields["timezone"] = f"unknown time zone {timezone!r}"
    if fields:
        raise InvalidInput("The user could not be created.", fields)
    if find_user(email) is not None:
        raise Conflict("A user with this email exists.", {"email": "already taken"})
    user = User(email=email, name=name.strip(), role=role, timezone=timezone,
                created_at=clock.now())
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def find_user(email: str) -> User | None:
    """The user with this email, compared case-insensitively."""
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    """The active user these credentials belong to, or None."""
    user = find_user(email)
    if user is None or not user.is_active or not user.check_password(password):
        return None
    return user


def create_token(user: User, name: str = "") -> str:
    """Issue a bearer token; only its digest is stored, so this is the one chance to see it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user=user, token_hash=ApiToken.digest(token), name=name, created_at=clock.now())
    )
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    """The active user holding this unrevoked token, or None."""
    api_token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == ApiToken.digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if api_token is None or not api_token.user.is_active:
        return None
    return api_token.user
