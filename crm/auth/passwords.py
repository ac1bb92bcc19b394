"""Changing a password, and resetting a forgotten one through an emailed link.

A reset link is a random secret stored only as a keyed digest; it expires after an hour and
works once (using one spends every other link of that user too). Asking for a link answers
the same whether or not the address has an account. Changing or resetting a password ends
the user's other sessions (crm.auth.service.end_other_sessions).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from crm import audit, clock
from crm.auth.emails import link, queue_account_email
from crm.auth.service import end_other_sessions, find_user, password_problem
from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import PasswordReset, User
from crm.url_tokens import keyed_digest, new_url_token
from outreach.dispatch import dispatch_emails
from outreach.meeting_times import describe

RESET_LIFETIME = timedelta(hours=1)
# Links per user per lifetime: enough for "it did not arrive, send it again", not a mailbomb.
RESETS_PER_LIFETIME = 3
TOKEN_LENGTH_LIMIT = 100


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; other sessions stop working."""
    fields = {}
    if not user.check_password(current or ""):
        fields["current_password"] = "is not your current password"
    if problem := password_problem(new):
        fields["new_password"] = problem
    if fields:
        raise InvalidInput("Your password was not changed.", fields)
    _set_password(user, new)
    audit.record("password.changed", user, user.email)
    db.session.commit()


def _set_password(user: User, password: str) -> None:
    user.set_password(password)
    end_other_sessions(user)


def request_reset(email: str) -> None:
    """Email a reset link if the address belongs to an active user; otherwise do nothing."""
    user = find_user(email or "")
    if user is None or not user.is_active or _recent_resets(user) >= RESETS_PER_LIFETIME:
        return
    token = new_url_token()
    now = clock.now()
    reset = PasswordReset(user_id=user.id, token_hash=keyed_digest(token), created_at=now,
                          expires_at=now + RESET_LIFETIME)
    db.session.add(reset)
    row = _reset_email(user, token, reset)
    db.session.commit()
    dispatch_emails([row.id])


def _recent_resets(user: User) -> int:
    since = clock.now() - RESET_LIFETIME
    return db.session.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at > since)) or 0


def _reset_email(user: User, token: str, reset: PasswordReset):
    return queue_account_email(
        user.email, user.name, "Reset your Rapport password",
        ["Someone (we hope you) asked to reset the password of your Rapport account. "
         "Choose a new one here:",
         f"The link works once, until {describe(reset.expires_at, user.timezone)}. "
         "If you did not ask, ignore this email: your password stays as it is."],
        link(f"/reset-password/{token}"))


def reset_for_token(token: str) -> PasswordReset | None:
    """The unused, unexpired reset behind a secret, for an active user; else None."""
    if not token or len(token) > TOKEN_LENGTH_LIMIT:
        return None
    reset = db.session.scalar(
        select(PasswordReset).where(PasswordReset.token_hash == keyed_digest(token)))
    if reset is None or reset.used_at is not None or reset.expires_at <= clock.now():
        return None
    return reset if reset.user.is_active else None


def reset_password(reset: PasswordReset, new: str) -> User:
    """Use the link: set the new password, spend the user's links, end their sessions."""
    if problem := password_problem(new):
        raise InvalidInput("Your password was not changed.", {"new_password": problem})
    now = clock.now()
    # Conditional, so two submissions of the same link cannot both succeed.
    spent = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .returning(PasswordReset.id)).scalars().all()
    if reset.id not in spent:
        db.session.rollback()
        raise InvalidInput("This link has been used already.", {"token": "already used"})
    user = db.session.get(User, reset.user_id)
    _set_password(user, new)
    audit.record("password.reset", user, user.email, "through an emailed link")
    db.session.commit()
    return user
