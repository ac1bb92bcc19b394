"""Who a campaign enrols: a filter of the partner list or rows picked on it, minus everyone
it must skip, counted by reason. Set-based: one INSERT … SELECT enrols 100,000 prospects.

A partner is skipped (the first reason that applies, in this order) when they are past
`contacted`, have no email address, are unsubscribed, bounced or otherwise suppressed, are
already in the client's program, or are in another running campaign for the client (the
partial unique index uq_campaign_enrollments_running makes that last one a guarantee).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, Select, case, exists, func, insert, literal, select
from sqlalchemy.exc import IntegrityError

from crm import clock
from crm.campaigns.service import postal_address, record_events
from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import (
    RECRUITING_STAGES,
    RUNNING_STATUSES,
    SOURCES,
    Campaign,
    CampaignEnrollment,
    Membership,
    Partner,
    Suppression,
    User,
)
from crm.partners.queries import PartnerFilters, filter_conditions
from crm.sequences.previews import PREVIEW_UNSUBSCRIBE_PATH
from outreach.campaign_schedule import variant_for
from outreach.email_templates import TemplateProblem
from outreach.personalize import Rendered, context_for, render_step
from outreach.senders import Sender, sender_for

MAX_SELECTED = 10_000
# Why a partner is not enrolled, as the preview says it.
SKIP_REASONS = {
    "stage": "past contacted", "no_email": "no email address",
    "unsubscribed": "unsubscribed", "bounced": "address bounced",
    "suppressed": "address suppressed", "in_program": "already in the program",
    "in_campaign": "in another campaign for this client",
}


@dataclass(frozen=True)
class Audience:
    """A partner-list filter (stage prospect/contacted, tag, source, recruitment list, …), or
    the ids of rows picked on the list."""

    filters: PartnerFilters = field(default_factory=PartnerFilters)
    partner_ids: tuple[int, ...] = ()

    def describe(self) -> dict[str, Any]:
        """How the campaign remembers it (Campaign.audience)."""
        if self.partner_ids:
            return {"selected": len(self.partner_ids)}
        return {k: v for k, v in self.filters.as_args().items() if k != "sort"}


@dataclass(frozen=True)
class FirstEmail:
    """The first email as the first prospect enrolled would get it."""

    partner: Partner
    sender: Sender
    rendered: Rendered | None
    problem: str = ""


@dataclass(frozen=True)
class Preview:
    count: int
    skipped: dict[str, int]
    first: FirstEmail | None


def audience_from(data: Mapping[str, Any]) -> Audience:
    """A checked Audience from form or JSON values: `partner_ids`, or filter fields."""
    raw_ids = data.get("partner_ids") or []
    if raw_ids:
        return Audience(partner_ids=_ids(raw_ids))
    errors: dict[str, str] = {}
    values = {name: str(data.get(name) or "").strip()
              for name in ("stage", "tag", "source", "source_list", "q")}
    if values["stage"] and values["stage"] not in RECRUITING_STAGES:
        errors["stage"] = "must be prospect or contacted (or empty: both)"
    if values["source"] and values["source"] not in SOURCES:
        errors["source"] = f"must be one of {', '.join(SOURCES)}"
    owner_id = data.get("owner_id")
    if owner_id not in (None, ""):
        try:
            values["owner_id"] = int(owner_id)
        except (TypeError, ValueError):
            errors["owner_id"] = "must be a user id"
    if errors:
        raise InvalidInput("The enrolment filter is not valid.", errors)
    filters = PartnerFilters(**{k: v for k, v in values.items() if v not in ("", None)})
    return Audience(filters=filters)


def _ids(raw: Any) -> tuple[int, ...]:
    try:
        ids = sorted({int(value) for value in raw})
    except (TypeError, ValueError):
        raise InvalidInput("Pick partners by their ids.",
                           {"partner_ids": "must be partner ids"}) from None
    if len(ids) > MAX_SELECTED:
        raise InvalidInput(f"Pick at most {MAX_SELECTED:,} partners at once; use a filter.",
                           {"partner_ids": f"at most {MAX_SELECTED:,}"})
    if any(i < 1 or i > 2**31 - 1 for i in ids):
        raise InvalidInput("Pick partners by their ids.", {"partner_ids": "out of range"})
    return tuple(ids)


def _matching(audience: Audience) -> list[ColumnElement[bool]]:
    if audience.partner_ids:
        return [Partner.id.in_(audience.partner_ids)]
    conditions = filter_conditions(audience.filters)
    if not audience.filters.stage:
        conditions.append(Partner.stage.in_(RECRUITING_STAGES))
    return conditions


def _skip_reason(client_id: int) -> ColumnElement[str | None]:
    suppression = (select(Suppression.reason).where(Suppression.email_key == Partner.email_key)
                   .limit(1).scalar_subquery())
    in_program = exists().where(Membership.partner_id == Partner.id,
                                Membership.client_id == client_id)
    in_campaign = exists().where(CampaignEnrollment.partner_id == Partner.id,
                                 CampaignEnrollment.client_id == client_id,
                                 CampaignEnrollment.status.in_(RUNNING_STATUSES))
    return case(
        (Partner.stage.not_in(RECRUITING_STAGES), literal("stage")),
        (Partner.email_key.is_(None), literal("no_email")),
        (suppression.in_(("unsubscribed", "complaint")), literal("unsubscribed")),
        (suppression == "hard_bounce", literal("bounced")),
        (suppression.is_not(None), literal("suppressed")),
        (in_program, literal("in_program")),
        (in_campaign, literal("in_campaign")),
        else_=literal(None),
    )


def _enrollable(audience: Audience, client_id: int) -> Select:
    """The partners the audience enrols, in id order (so the A/B split alternates)."""
    suppressed = exists().where(Suppression.email_key == Partner.email_key)
    in_program = exists().where(Membership.partner_id == Partner.id,
                                Membership.client_id == client_id)
    in_campaign = exists().where(CampaignEnrollment.partner_id == Partner.id,
                                 CampaignEnrollment.client_id == client_id,
                                 CampaignEnrollment.status.in_(RUNNING_STATUSES))
    return (select(Partner.id).where(
        *_matching(audience), Partner.stage.in_(RECRUITING_STAGES),
        Partner.email_key.is_not(None), ~suppressed, ~in_program, ~in_campaign)
        .order_by(Partner.id))


def counts(campaign: Campaign, audience: Audience) -> tuple[int, dict[str, int]]:
    """(how many the audience enrols, {skip reason: how many}) in one pass."""
    reason = _skip_reason(campaign.client_id).label("reason")
    rows = select(reason).where(*_matching(audience)).subquery()
    found = dict(db.session.execute(
        select(rows.c.reason, func.count()).group_by(rows.c.reason)).all())
    enrolled = found.pop(None, 0)
    return enrolled, {name: found[name] for name in SKIP_REASONS if found.get(name)}


def preview(campaign: Campaign, audience: Audience) -> Preview:
    """How many would be enrolled, who is skipped and why, and the first email."""
    count, skipped = counts(campaign, audience)
    first_id = db.session.scalar(_enrollable(audience, campaign.client_id).limit(1))
    first = _first_email(campaign, db.session.get(Partner, first_id)) if first_id else None
    return Preview(count, skipped, first)


def _first_email(campaign: Campaign, partner: Partner) -> FirstEmail:
    manager = partner.owner or campaign.owner
    sender = sender_for(manager)
    if not campaign.steps:
        return FirstEmail(partner, sender, None, "The campaign has no steps yet.")
    step = campaign.steps[0]
    url = current_app.config["RAPPORT_BASE_URL"] + PREVIEW_UNSUBSCRIBE_PATH
    variant = variant_for(partner.id, bool(step.subject_b))
    subject = step.subject_b if variant == "B" else step.subject
    try:
        rendered = render_step(subject, step.html_body, step.text_body,
                               context_for(partner, manager, campaign.client, url),
                               postal_address=postal_address())
    except TemplateProblem as problem:
        return FirstEmail(partner, sender, None, str(problem))
    return FirstEmail(partner, sender, rendered)


def ready_to_send(campaign: Campaign) -> None:
    """Refuse to start (or add to) a campaign that cannot send: naming what is missing."""
    if campaign.status == "archived":
        raise Conflict(f"'{campaign.name}' is archived.", {"status": "is archived"})
    if not campaign.steps:
        raise InvalidInput("Add at least one step before enrolling prospects.",
                           {"steps": "add at least one step"})
    if not postal_address():
        raise InvalidInput(
            "Campaign emails carry your organisation's postal address: an admin sets it on "
            "Administration › Organisation before a campaign can start.",
            {"postal_address": "is not set (Administration › Organisation)"})


def enrol(campaign: Campaign, audience: Audience, actor: User | None) -> tuple[int, dict[str, int]]:
    """Enrol the audience (a draft campaign starts); (enrolled, skipped by reason).

    One transaction: nothing is written unless everything is.
    """
    ready_to_send(campaign)
    count, skipped = counts(campaign, audience)
    if not count:
        field = "partner_ids" if audience.partner_ids else "filters"
        why = (", ".join(f"{n} {SKIP_REASONS[r]}" for r, n in skipped.items())
               or "nobody matches")
        raise InvalidInput(f"No one to enrol: {why}.", {field: f"match no one to enrol ({why})"})
    now = clock.now()
    if campaign.status == "draft":
        campaign.status, campaign.started_at = "active", now
    status = "paused" if campaign.status == "paused" else "active"
    first_delay = campaign.steps[0].delay_days
    try:
        _insert(campaign, audience, status, now, now + timedelta(days=first_delay), actor)
        _events(campaign, now, actor)
    except IntegrityError:
        db.session.rollback()
        field = "partner_ids" if audience.partner_ids else "filters"
        raise Conflict("Another enrolment for this client ran at the same time; try again.",
                       {field: "try again"}) from None
    campaign.audience = audience.describe()
    campaign.updated_at = now
    db.session.commit()
    return count, skipped


def _insert(campaign: Campaign, audience: Audience, status: str, now: datetime,
            due: datetime, actor: User | None) -> None:
    partners = _enrollable(audience, campaign.client_id).subquery()
    columns = ["campaign_id", "partner_id", "client_id", "status", "next_position",
               "next_due_at", "started_at", "stop_reason", "last_variant", "started_by_id"]
    db.session.execute(insert(CampaignEnrollment).from_select(columns, select(
        literal(campaign.id), partners.c.id, literal(campaign.client_id), literal(status),
        literal(campaign.steps[0].position),
        literal(due, CampaignEnrollment.next_due_at.type),
        literal(now, CampaignEnrollment.started_at.type), literal(""), literal(""),
        literal(actor.id if actor else None, CampaignEnrollment.started_by_id.type),
    ).order_by(partners.c.id)))


def _events(campaign: Campaign, now: datetime, actor: User | None) -> None:
    """"Enrolled in campaign …" on each new prospect's timeline."""
    record_events(f"Enrolled in campaign '{campaign.name}'", now, actor,
                  CampaignEnrollment.campaign_id == campaign.id,
                  CampaignEnrollment.started_at == now)
