"""Users and API tokens: creating them and recognising them."""

from __future__ import annotations

import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select, update

from crm import audit, clock
from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import ROLES, TOKEN_SCOPES, ApiToken, User

TOKEN_PREFIX = "rpt_"
MIN_PASSWORD_LENGTH = 10
# Werkzeug hashes whatever it is given; a megabyte of "password" is only a way to burn CPU.
MAX_PASSWORD_LENGTH = 1024
TOKEN_NAME_LIMIT = 120
# last_used_at is a hint for people ("used 3 minutes ago"), not an access log: writing it
# on every request would turn each API read into a write.
LAST_USE_PRECISION = timedelta(minutes=1)


def normalized_email(email: str) -> str:
    """The address as users.email stores it; InvalidInput naming `email` if it is not one."""
    try:
        return validate_email((email or "").strip(),
                              check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise InvalidInput("That is not an email address.", {"email": str(error)}) from None


def password_problem(password: str) -> str | None:
    """Why this cannot be a new password, or None."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"must be at most {MAX_PASSWORD_LENGTH} characters"
    return None


def new_user(
    email: str, password: str, name: str, role: str = "manager", timezone: str = "UTC"
) -> User:
    """Add a login to the session without committing; the email is unique case-insensitively."""
    fields: dict[str, str] = {}
    try:
        email = normalized_email(email)
    except InvalidInput as error:
        fields.update(error.fields)
    if problem := password_problem(password):
        fields["password"] = problem
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
    db.session.flush()
    return user


def create_user(
    email: str, password: str, name: str, role: str = "manager", timezone: str = "UTC"
) -> User:
    """Create a login; the email is unique case-insensitively."""
    user = new_user(email, password, name, role, timezone)
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


def user_for_session(user_id: str) -> User | None:
    """The user a session or remember-me cookie names, if it is still theirs.

    The id is "<id>:<generation>" (User.get_id); a deactivated user, or a cookie made
    before the password changed, gets None. A bare "<id>" predates generations: it is
    generation 0, so sessions made before the upgrade keep working until a change.
    """
    number, _, generation = (user_id or "").partition(":")
    if not number.isdigit() or not (generation or "0").isdigit():
        return None
    user = db.session.get(User, int(number))
    if user is None or not user.is_active:
        return None
    return user if user.session_generation == int(generation or "0") else None


def end_other_sessions(user: User) -> None:
    """Make every existing session and remember-me cookie of the user stop working."""
    user.session_generation = (user.session_generation or 0) + 1


def record_sign_in(user: User) -> None:
    """Note when the user last signed in (the Team page shows it)."""
    user.last_login_at = clock.now()
    db.session.commit()


# --- API tokens ---------------------------------------------------------------------------


def create_token(user: User, name: str = "", scope: str = "read-write",
                 actor: User | None = None) -> str:
    """Issue a bearer token; only its digest is stored, so this is the one chance to see it.

    `actor` is who asked (None: the command line), for the audit log.
    """
    name = " ".join((name or "").split())
    fields = {}
    if scope not in TOKEN_SCOPES:
        fields["scope"] = f"must be one of {', '.join(TOKEN_SCOPES)}"
    if len(name) > TOKEN_NAME_LIMIT:
        fields["name"] = f"must be at most {TOKEN_NAME_LIMIT} characters"
    if fields:
        raise InvalidInput("The token was not created.", fields)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.digest(token), name=name,
                            scope=scope, created_at=clock.now()))
    audit.record("token.created", actor, _token_target(user, name), f"scope {scope}")
    db.session.commit()
    return token


def _token_target(user: User, name: str) -> str:
    return f"{user.email}: {name or 'unnamed token'}"


def token_for(token: str) -> ApiToken | None:
    """The unrevoked token with this secret, held by an active user, or None."""
    if not token or len(token) > 200:
        return None
    api_token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == ApiToken.digest(token), ApiToken.revoked_at.is_(None)
        )
    )
    if api_token is None or not api_token.user.is_active:
        return None
    return api_token


def user_for_token(token: str) -> User | None:
    """The active user holding this unrevoked token, or None."""
    api_token = token_for(token)
    return None if api_token is None else api_token.user


def note_use(api_token: ApiToken) -> None:
    """Set last_used_at, at most once per LAST_USE_PRECISION (most requests write nothing)."""
    now = clock.now()
    stale = now - LAST_USE_PRECISION
    if api_token.last_used_at is not None and api_token.last_used_at > stale:
        return
    # Conditional, so two requests in the same second do not both write.
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == api_token.id,
               or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= stale))
        .values(last_used_at=now)
    )
    db.session.commit()


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return list(db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke_token(api_token: ApiToken, actor: User | None) -> None:
    """Stop a token working at once; revoking twice changes nothing."""
    if api_token.revoked_at is not None:
        return
    api_token.revoked_at = clock.now()
    audit.record("token.revoked", actor, _token_target(api_token.user, api_token.name),
                 f"scope {api_token.scope}")
    db.session.commit()


def revoke_all_tokens(user: User) -> int:
    """Revoke every live token of the user in the caller's transaction; how many there were."""
    result = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now()))
    return result.rowcount
