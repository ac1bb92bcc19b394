"""A campaign's figures per step and subject variant, as SQL over the outbox and enrollments.

Sent and bounced come from the outbox rows (ix_outbound_emails_campaign_stats); replies,
unsubscribes and conversions (onboarding or active within 30 days of enrolment) from the
enrollments, counted against the last step each prospect was sent
(ix_campaign_enrollments_stats). Both are GROUP BYs read from an index alone, so the page
costs the same at 100 enrollments and at 100,000.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Campaign, CampaignEnrollment, OutboundEmail
from crm.partners.export import safe_cell
from outreach.bulk_writes import one_of

SENT = ("sent", "bounced")


@dataclass
class Row:
    """One step and variant: what it sent and what came of it."""

    position: int
    variant: str
    subject: str
    sent: int = 0
    bounced: int = 0
    replied: int = 0
    unsubscribed: int = 0
    converted: int = 0

    def rate(self, count: int) -> str:
        return f"{100 * count / self.sent:.1f}%" if self.sent else "–"


@dataclass
class Figures:
    """The campaign page's numbers: per step and variant, and enrollments by status."""

    rows: list[Row]
    statuses: dict[str, int]

    @property
    def total(self) -> Row:
        return totals(self.rows)

    @property
    def enrolled(self) -> int:
        return sum(self.statuses.values())


def figures(campaign: Campaign) -> Figures:
    """Per step (in order) and variant (A, then B when the step has one), and the counts by
    status: two GROUP BYs, each in the order of its index, so each is one streaming read of
    the index and a few hundred rows back, never a row per enrollment."""
    rows: dict[tuple[int, str], Row] = {}
    for step in campaign.steps:
        rows[(step.id, "A")] = Row(step.position, "A", step.subject)
        if step.subject_b:
            rows[(step.id, "B")] = Row(step.position, "B", step.subject_b)
    statuses: dict[str, int] = {}
    step_ids = {step.id for step in campaign.steps}
    if step_ids:
        _add_outbox(rows, campaign, step_ids)
    enrollments = CampaignEnrollment
    for step_id, variant, reason, status, count, converted in db.session.execute(
        select(enrollments.last_step_id, enrollments.last_variant, enrollments.stop_reason,
               enrollments.status, func.count(),
               func.count(enrollments.converted_at))
        .where(enrollments.campaign_id == campaign.id)
        .group_by(enrollments.last_step_id, enrollments.last_variant,
                  enrollments.stop_reason, enrollments.status)
    ):
        statuses[status] = statuses.get(status, 0) + count
        if step_id not in step_ids:
            continue  # not sent anything yet
        row = _row(rows, campaign, step_id, variant)
        row.replied += count if reason == "reply" else 0
        row.unsubscribed += count if reason == "unsubscribe" else 0
        row.converted += converted
    return Figures(list(rows.values()), statuses)


def _add_outbox(rows: dict[tuple[int, str], Row], campaign: Campaign, step_ids: set[int]) -> None:
    for step_id, variant, status, count in db.session.execute(
        select(OutboundEmail.campaign_step_id, OutboundEmail.variant, OutboundEmail.status,
               func.count())
        .where(one_of(OutboundEmail.campaign_step_id, step_ids))
        .group_by(OutboundEmail.campaign_step_id, OutboundEmail.variant, OutboundEmail.status)
    ):
        row = _row(rows, campaign, step_id, variant)
        row.sent += count if status in SENT else 0
        row.bounced += count if status == "bounced" else 0


def step_rows(campaign: Campaign) -> list[Row]:
    """Per step (in order) and variant: what it sent and what came of it."""
    return figures(campaign).rows


def _row(rows: dict[tuple[int, str], Row], campaign: Campaign, step_id: int,
         variant: str) -> Row:
    # A variant B removed after it was sent still has its figures.
    key = (step_id, variant or "A")
    if key not in rows:
        step = next(s for s in campaign.steps if s.id == step_id)
        rows[key] = Row(step.position, variant or "A", "(variant removed)")
    return rows[key]


def totals(rows: list[Row]) -> Row:
    """Every step and variant added up."""
    total = Row(0, "", "All steps")
    for row in rows:
        for name in ("sent", "bounced", "replied", "unsubscribed", "converted"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


def to_csv(campaign: Campaign) -> str:
    """The figures as CSV, one line per step and variant; cells defused for spreadsheets."""
    rows = step_rows(campaign)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["step", "variant", "subject", "sent", "bounced", "replied",
                     "unsubscribed", "converted_30_days"])
    for row in [*rows, totals(rows)]:
        writer.writerow([row.position or "all", row.variant, safe_cell(row.subject), row.sent,
                         row.bounced, row.replied, row.unsubscribed, row.converted])
    return buffer.getvalue()
