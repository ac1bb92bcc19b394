"""Addresses that must not be emailed, and what adding one stops."""

from __future__ import annotations

from sqlalchemy import select

from crm import clock
from crm.extensions import db
from crm.models import Partner, Suppression
from crm.partners.service import record_event
from outreach.campaign_stops import stop_campaigns
from outreach.enrollments import stop_all

# Why an address was suppressed → why its partner's sequences stop.
STOP_REASON = {"unsubscribed": "unsubscribe", "hard_bounce": "bounce",
               "complaint": "unsubscribe", "manual": "manual"}


def is_suppressed(address: str) -> bool:
    return db.session.scalar(
        select(Suppression.id).where(Suppression.email_key == address.strip().lower())
    ) is not None


def suppress(address: str, reason: str, detail: str = "", commit: bool = True) -> bool:
    """Suppress an address (idempotent); True when it was not suppressed before."""
    key = address.strip().lower()
    if db.session.scalar(select(Suppression.id).where(Suppression.email_key == key)):
        return False
    db.session.add(Suppression(email_key=key, reason=reason, detail=detail[:2000],
                               created_at=clock.now()))
    for partner in db.session.scalars(select(Partner).where(Partner.email_key == key)):
        label = {"unsubscribed": "Unsubscribed", "hard_bounce": "Address bounced (hard)",
                 "complaint": "Marked our email as spam", "manual": "Email suppressed"}[reason]
        record_event(partner, f"{label}: {key}", detail[:2000])
        stop_enrollments(partner.id, STOP_REASON[reason])
    if commit:
        db.session.commit()
    return True


def stop_enrollments(partner_id: int, reason: str) -> int:
    """Stop every active enrollment of a partner, welcome and campaign (inside the caller's
    transaction)."""
    return stop_all(partner_id, reason) + stop_campaigns(partner_id, reason)
