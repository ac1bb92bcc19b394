"""Turning due campaign enrollments into outbox rows, a batch at a time (the scheduler tick).

The welcome engine's hot path (outreach.due_steps) with three differences: each email is sent
as the prospect's manager (outreach.senders, Reply-To the inbound address so replies reach
`rapport inbound`), the sender's daily cap and warm-up hold (outreach.send_caps; what does not
fit waits for the sender's next day), and the footer carries the organisation's postal
address. Rows are rendered when they are queued, so editing a step changes only emails not
queued yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Row, select

from crm.app_settings import get_setting
from crm.extensions import db
from crm.models import RECRUITING_STAGES, Campaign, CampaignEnrollment, CampaignStep, User
from outreach.bulk_writes import one_of
from outreach.campaign_schedule import deferred_due, step_due, variant_for
from outreach.due_steps import (
    Plan,
    Recipients,
    Share,
    Writes,
    advance_past,
    by_id,
    due_rows,
    email_row,
    reachable_now,
    unsubscribe_headers,
)
from outreach.email_templates import TemplateProblem
from outreach.personalize import context_for, render_step
from outreach.send_caps import Quota
from outreach.senders import Sender, sender_for
from outreach.sequences import hours_of, zone_of
from outreach.unsubscribe import unsubscribe_url

POSTAL_ADDRESS_SETTING = "organisation.postal_address"
TABLE = CampaignEnrollment.__table__
COLUMNS = ["id", "partner_id", "campaign_id", "client_id", "next_position", "started_at",
           "last_step_id", "last_variant"]


@dataclass(frozen=True)
class CampaignPlan(Plan):
    """A campaign as the tick needs it: its window, steps and owner."""

    owner_id: int = 0


class CampaignBatch(Recipients):
    """Everything a batch of due campaign enrollments refers to, one query per table."""

    def __init__(self, due: list[Row], now: datetime) -> None:
        super().__init__(due)
        self.plans = _plans({row.campaign_id for row in due})
        owner_ids = {plan.owner_id for plan in self.plans.values()} - set(self.owners)
        self.owners.update(by_id(User, owner_ids))
        self.senders: dict[int, Sender] = {}
        self.quota = Quota({uid: self.owners[uid] for uid in self._sender_ids(due)}, now)
        self.postal_address = get_setting(POSTAL_ADDRESS_SETTING, "") or ""
        self.reply_to = current_app.config["RAPPORT_INBOUND_ADDRESS"]
        # sender id → [(email, enrollment update, timeline event, due row)] queued in this
        # batch, oldest first.
        self.queued: dict[int, list[tuple[dict, dict, dict, Row]]] = {}

    def _sender_ids(self, due: list[Row]) -> set[int]:
        return {self.sender_user(row).id for row in due}

    def sender_user(self, row: Row) -> User:
        """The prospect's owner, or the campaign's owner for a prospect without one."""
        partner = self.partners[row.partner_id]
        owner_id = partner.owner_id or self.plans[row.campaign_id].owner_id
        return self.owners.get(owner_id) or self.owners[self.plans[row.campaign_id].owner_id]

    def sender(self, user: User) -> Sender:
        if user.id not in self.senders:
            self.senders[user.id] = sender_for(user)
        return self.senders[user.id]


def _plans(campaign_ids: set[int]) -> dict[int, CampaignPlan]:
    campaigns = {c.id: c for c in db.session.execute(
        select(Campaign.id, Campaign.name, Campaign.owner_id, Campaign.send_weekdays,
               Campaign.send_from, Campaign.send_until).where(one_of(Campaign.id, campaign_ids)))}
    steps: dict[int, dict[int, Any]] = {cid: {} for cid in campaigns}
    for step in db.session.execute(
        select(CampaignStep.id, CampaignStep.campaign_id, CampaignStep.position,
               CampaignStep.delay_days, CampaignStep.subject, CampaignStep.subject_b,
               CampaignStep.html_body, CampaignStep.text_body)
        .where(one_of(CampaignStep.campaign_id, campaign_ids))
    ):
        steps[step.campaign_id][step.position] = step
    return {
        cid: CampaignPlan(c.name, hours_of(c.send_weekdays, c.send_from, c.send_until),
                          steps[cid], sorted(steps[cid]), c.owner_id)
        for cid, c in campaigns.items()
    }


def queue_due_campaign_steps(now: datetime, limit: int,
                             share: Share | None = None) -> tuple[int, list[int]]:
    """Turn up to `limit` due campaign enrollments into outbox rows: (seen, new row ids)."""
    due = due_rows(TABLE, COLUMNS, now, limit, share)
    if not due:
        db.session.commit()
        return 0, []
    batch = CampaignBatch(due, now)
    writes = Writes(now, TABLE, ("campaign_enrollment_id", "campaign_step_id"),
                    stopped="Campaign stopped")
    for row in due:
        _advance(row, batch, writes)
    _settle(batch, writes)
    _keep_last_step(due, writes)
    ids = writes.flush()
    db.session.commit()
    return len(due), ids


def _advance(row: Row, batch: CampaignBatch, writes: Writes) -> None:
    partner = batch.partners[row.partner_id]
    plan = batch.plans[row.campaign_id]
    if partner.stage not in RECRUITING_STAGES:
        return writes.stop(row, "stage")
    zone = reachable_now(row, partner, batch, plan.hours, writes)
    if zone is None:
        return None
    step = plan.steps.get(row.next_position)
    if step is None:
        writes.enrollment(row, status="completed", reason="completed")
        return None
    user = batch.sender_user(row)
    if not batch.quota.take(user.id):
        writes.enrollment(row, due_at=_tomorrow(user, zone, plan, writes.now))
        return None
    variant = variant_for(row.id, bool(step.subject_b))
    email = _email(row, step, variant, partner, batch, batch.sender(user), writes)
    if email is None:
        batch.quota.give_back(user.id)
        return writes.stop(row, "template_error")
    event = writes.event(partner.id, f"Campaign email queued ({plan.name}, step "
                         f"{step.position} of {len(plan.steps)}): {email['subject']}")
    advance_past(row, step, plan, zone, writes, due=step_due, last_step_id=step.id,
                 last_variant=variant)
    batch.queued.setdefault(user.id, []).append((email, writes.enrollments[-1], event, row))
    return None


def _tomorrow(user: User, zone: ZoneInfo, plan: CampaignPlan, now: datetime) -> datetime:
    return deferred_due(now, zone_of(user.timezone), zone, plan.hours)


def _email(row: Row, step: Any, variant: str, partner: Row, batch: CampaignBatch,
           sender: Sender, writes: Writes) -> dict | None:
    manager = batch.owners.get(sender.user_id)
    client = batch.clients.get(row.client_id)
    link = unsubscribe_url(partner.email_key)
    subject = step.subject_b if variant == "B" else step.subject
    try:
        rendered = render_step(subject, step.html_body, step.text_body,
                               context_for(partner, manager, client, link),
                               postal_address=batch.postal_address)
    except TemplateProblem as problem:
        writes.event(partner.id, "Campaign email could not be rendered", str(problem))
        return None
    headers = {**unsubscribe_headers(link), "Reply-To": batch.reply_to}
    writes.emails.append(email_row(
        partner, rendered, writes.now, from_address=sender.address, from_name=sender.name,
        headers=headers, domain=sender.address.rsplit("@", 1)[-1], sender_id=sender.user_id,
        campaign_enrollment_id=row.id, campaign_step_id=step.id, variant=variant,
    ))
    return writes.emails[-1]


def _settle(batch: CampaignBatch, writes: Writes) -> None:
    """Take the batch's sends from each sender's daily count; what another process took the
    room for first is not queued but waits for the sender's next day."""
    granted = batch.quota.settle()
    for sender_id, queued in batch.queued.items():
        refused = queued[granted.get(sender_id, 0):]
        if not refused:
            continue
        user = batch.owners[sender_id]
        dropped_emails = {id(email) for email, _, _, _ in refused}
        dropped_events = {id(event) for _, _, event, _ in refused}
        writes.emails[:] = [e for e in writes.emails if id(e) not in dropped_emails]
        writes.events[:] = [e for e in writes.events if id(e) not in dropped_events]
        for _, enrollment, _, row in refused:
            partner = batch.partners[row.partner_id]
            plan = batch.plans[row.campaign_id]
            enrollment.update(
                status="active", stop_reason="", stopped_at=None,
                next_position=row.next_position, last_step_id=row.last_step_id,
                last_variant=row.last_variant,
                next_due_at=_tomorrow(user, zone_of(partner.timezone), plan, writes.now))


def _keep_last_step(due: list[Row], writes: Writes) -> None:
    # One bulk UPDATE takes rows of one shape: enrollments that queued nothing keep theirs.
    rows = {row.id: row for row in due}
    for enrollment in writes.enrollments:
        row = rows[enrollment["id"]]
        enrollment.setdefault("last_step_id", row.last_step_id)
        enrollment.setdefault("last_variant", row.last_variant)
