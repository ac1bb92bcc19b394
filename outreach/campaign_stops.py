"""What stops a prospect's campaign, and what a prospect's reply does besides.

Called from the paths every event already takes: the inbound path (a human reply, a bounce,
an unsubscribe all reach outreach.suppressions.stop_enrollments) and the partner's stage
change (crm.partners.service), so a reply that arrives by `rapport inbound`, the API or a
synced mailbox does the same thing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from crm import clock
from crm.extensions import db
from crm.models import (
    RECRUITING_STAGES,
    RUNNING_STATUSES,
    Campaign,
    CampaignEnrollment,
    Partner,
    User,
)
from crm.partners.service import record_event
from outreach.followups import raise_now

CONVERTED_STAGES = ("onboarding", "active")
CONVERSION_DAYS = 30


def stop_campaigns(partner_id: int, reason: str, actor: User | None = None) -> int:
    """Stop the partner's running campaign enrollments (in the caller's transaction)."""
    running = db.session.execute(
        select(CampaignEnrollment, Campaign.name)
        .join(Campaign, Campaign.id == CampaignEnrollment.campaign_id)
        .where(CampaignEnrollment.partner_id == partner_id,
               CampaignEnrollment.status.in_(RUNNING_STATUSES))).all()
    if not running:
        return 0
    partner = db.session.get(Partner, partner_id)
    now = clock.now()
    for enrollment, name in running:
        enrollment.status, enrollment.stop_reason = "stopped", reason
        enrollment.stopped_at, enrollment.next_due_at = now, None
        record_event(partner, f"Campaign '{name}' stopped: {reason}", "", actor)
    return len(running)


def on_stage_changed(partner: Partner, actor: User | None) -> None:
    """Past `contacted` a prospect is no longer recruited; onboarding or active within 30 days
    of enrolment counts as a conversion on the campaign page."""
    if partner.stage in CONVERTED_STAGES:
        now = clock.now()
        db.session.execute(
            update(CampaignEnrollment)
            .where(CampaignEnrollment.partner_id == partner.id,
                   CampaignEnrollment.converted_at.is_(None),
                   CampaignEnrollment.started_at >= now - timedelta(days=CONVERSION_DAYS))
            .values(converted_at=now).execution_options(synchronize_session=False))
    if partner.stage not in RECRUITING_STAGES:
        stop_campaigns(partner.id, "stage", actor)


def on_reply(partner: Partner, campaigns_stopped: int) -> list[str]:
    """A human reply from someone a campaign wrote to: a prospect is `contacted` now, and the
    owner gets a "prospect replied" follow-up (in the caller's transaction); the effects, for
    the API. A reply that stopped no campaign counts while the partner is still recruited."""
    from crm.partners.service import change_stage

    recruited = partner.stage in RECRUITING_STAGES and db.session.scalar(
        select(CampaignEnrollment.id).where(CampaignEnrollment.partner_id == partner.id)
        .limit(1)) is not None
    if not campaigns_stopped and not recruited:
        return []
    effects = []
    if partner.stage == "prospect":
        change_stage(partner, "contacted", None, commit=False)
        effects.append("stage:contacted")
    if raise_now(partner.id, "prospect_replied", "Replied to your outreach: answer them",
                 clock.now()):
        effects.append("followup:prospect_replied")
    return effects
