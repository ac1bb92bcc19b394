"""Links that show one client's report without a login: signed, expiring, revocable.

The secret in the URL is random (crm.url_tokens) and only its keyed digest is stored,
as for the calendar feed: a leaked database gives no working link. A share fixes its dates
when it is made, so the client sees the figures the manager looked at, not a moving window.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm import clock
from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import Client, ReportShare, User
from crm.reports.periods import Period
from crm.url_tokens import keyed_digest, new_url_token

DEFAULT_DAYS, MAX_DAYS = 30, 365
TOKEN_LENGTH_LIMIT = 100


def create_share(client: Client, period: Period, actor: User,
                 expires_in_days: int = DEFAULT_DAYS) -> tuple[ReportShare, str]:
    """A new link to the client's report for the period; returns it and its secret (once)."""
    if not isinstance(expires_in_days, int) or not 1 <= expires_in_days <= MAX_DAYS:
        raise InvalidInput(f"A link lasts between 1 and {MAX_DAYS} days.",
                           {"expires_in_days": f"must be between 1 and {MAX_DAYS}"})
    token = new_url_token()
    now = clock.now()
    share = ReportShare(
        client_id=client.id, token_hash=keyed_digest(token), period_kind=period.kind,
        period_start=period.start, period_end=period.end,
        expires_at=now + timedelta(days=expires_in_days), created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(share)
    db.session.commit()
    return share, token


def revoke_share(share: ReportShare) -> None:
    """Stop a link working at once; revoking twice keeps the first time."""
    if share.revoked_at is None:
        share.revoked_at = clock.now()
        db.session.commit()


def share_for_token(token: str) -> ReportShare | None:
    """The live share behind a secret, noting the view; None if unknown, revoked or expired."""
    if not token or len(token) > TOKEN_LENGTH_LIMIT:
        return None
    share = db.session.scalar(
        select(ReportShare).where(ReportShare.token_hash == keyed_digest(token)))
    now = clock.now()
    if share is None or share.revoked_at is not None or share.expires_at <= now:
        return None
    share.last_viewed_at = now
    db.session.commit()
    return share


def shares_of(client: Client) -> list[ReportShare]:
    """The client's links, newest first, live or not (the report page lists them)."""
    return list(db.session.scalars(
        select(ReportShare).where(ReportShare.client_id == client.id)
        .order_by(ReportShare.created_at.desc(), ReportShare.id.desc())))


def share_period(share: ReportShare) -> Period:
    """The fixed dates a share shows."""
    return Period(share.period_kind, share.period_start, share.period_end)


def is_live(share: ReportShare) -> bool:
    """Not revoked and not expired, now."""
    return share.revoked_at is None and share.expires_at > clock.now()
