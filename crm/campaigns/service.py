"""Domain operations on campaigns: create and edit, steps, pause / resume / archive, removing
a prospect. Each public function that changes something validates, writes and commits.

Steps reuse the welcome sequences' checks (crm.sequences.service.clean_step: delay, subject,
bodies, templates checked at save time), plus the optional subject variant B.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import selectinload

from crm import clock
from crm.app_settings import get_setting
from crm.errors import Conflict, InvalidInput, NotFound
from crm.extensions import db
from crm.models import (
    RUNNING_STATUSES,
    Campaign,
    CampaignEnrollment,
    CampaignStep,
    Client,
    Interaction,
    OutboundEmail,
    User,
)
from crm.partners.service import record_event
from crm.sequences import templates_check
from crm.sequences.service import SUBJECT_LIMIT, clean_hours, clean_step, hours_label
from outreach.campaign_steps import POSTAL_ADDRESS_SETTING

NAME_LIMIT = 120
RUNNING = RUNNING_STATUSES

__all__ = ["hours_label"]


# --- reading -----------------------------------------------------------------------------


def campaigns_query(include_archived: bool = False):
    """Campaigns, newest first, with client and owner."""
    query = (select(Campaign)
             .options(selectinload(Campaign.client), selectinload(Campaign.owner),
                      selectinload(Campaign.steps))
             .order_by(Campaign.created_at.desc(), Campaign.id.desc()))
    if not include_archived:
        query = query.where(Campaign.status != "archived")
    return query


MAX_ID = 2**31 - 1  # an integer column's range: a larger id in a URL is simply not there


def load_campaign(campaign_id: int) -> Campaign:
    """The campaign with its steps, client and owner, or NotFound."""
    if not 1 <= campaign_id <= MAX_ID:
        raise NotFound(f"There is no campaign #{campaign_id}.")
    campaign = db.session.get(Campaign, campaign_id, options=[
        selectinload(Campaign.steps), selectinload(Campaign.client),
        selectinload(Campaign.owner)])
    if campaign is None:
        raise NotFound(f"There is no campaign #{campaign_id}.")
    return campaign


def load_step(campaign: Campaign, step_id: int) -> CampaignStep:
    """One step of this campaign, or NotFound."""
    step = next((s for s in campaign.steps if s.id == step_id), None)
    if step is None:
        raise NotFound(f"Campaign #{campaign.id} has no step #{step_id}.")
    return step


def load_enrollment(campaign: Campaign, enrollment_id: int) -> CampaignEnrollment:
    """One enrollment of this campaign, or NotFound."""
    enrollment = (db.session.get(CampaignEnrollment, enrollment_id)
                  if 1 <= enrollment_id <= MAX_ID else None)
    if enrollment is None or enrollment.campaign_id != campaign.id:
        raise NotFound(f"Campaign #{campaign.id} has no enrollment #{enrollment_id}.")
    return enrollment


def postal_address() -> str:
    """The organisation's postal address for campaign footers ('' when not set)."""
    return (get_setting(POSTAL_ADDRESS_SETTING, "") or "").strip()


# --- creating and changing ---------------------------------------------------------------


def _clean_campaign(data: Mapping[str, Any], current: Campaign | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if "name" in data or current is None:
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            errors["name"] = "is required"
        elif len(name) > NAME_LIMIT:
            errors["name"] = f"must be at most {NAME_LIMIT} characters"
        cleaned["name"] = name
    if "client_id" in data or current is None:
        client = _get(Client, data.get("client_id"))
        if client is None:
            errors["client_id"] = "pick the client program this campaign recruits for"
        elif current is not None and client.id != current.client_id and current.status != "draft":
            errors["client_id"] = "cannot change once the campaign has started"
        else:
            cleaned["client_id"] = client.id
    if "owner_id" in data or current is None:
        owner = _get(User, data.get("owner_id"))
        if owner is None or not owner.is_active_user:
            errors["owner_id"] = "pick the manager who runs this campaign"
        else:
            cleaned["owner_id"] = owner.id
    hours = {key: data[key] for key in ("send_weekdays", "send_from", "send_until")
             if key in data}
    if hours or current is None:
        try:
            cleaned.update(clean_hours(hours, current or Campaign(
                send_weekdays=[0, 1, 2, 3, 4], send_from=time(9), send_until=time(17))))
        except InvalidInput as error:
            errors.update(error.fields)
    if errors:
        raise InvalidInput(_summary("The campaign was not saved", errors), errors)
    return cleaned


def _get(model, raw: Any):
    if isinstance(raw, bool):
        return None
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    return db.session.get(model, number) if 1 <= number <= MAX_ID else None


def _summary(what: str, errors: Mapping[str, str]) -> str:
    first = next(iter(errors))
    return f"{what}: {first}: {errors[first]}"


def create_campaign(data: Mapping[str, Any], actor: User | None) -> Campaign:
    """A new draft campaign for a client program, run by its owner (default: the actor)."""
    if actor is not None and not data.get("owner_id"):
        data = {**data, "owner_id": actor.id}
    cleaned = _clean_campaign(data, None)
    now = clock.now()
    campaign = Campaign(status="draft", audience={}, created_at=now, updated_at=now, **cleaned)
    db.session.add(campaign)
    db.session.commit()
    return campaign


def update_campaign(campaign: Campaign, data: Mapping[str, Any]) -> Campaign:
    """Change the name, client (while a draft), owner or sending window."""
    _refuse_archived(campaign)
    for name, value in _clean_campaign(data, campaign).items():
        setattr(campaign, name, value)
    campaign.updated_at = clock.now()
    db.session.commit()
    return campaign


def _refuse_archived(campaign: Campaign) -> None:
    if campaign.status == "archived":
        raise Conflict(f"'{campaign.name}' is archived; it cannot change.",
                       {"status": "is archived"})


# --- steps -------------------------------------------------------------------------------


def clean_campaign_step(data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    """A step's fields, the templates checked; InvalidInput names each field and line."""
    errors: dict[str, str] = {}
    try:
        cleaned = clean_step(data, creating)
    except InvalidInput as error:
        cleaned, errors = {}, dict(error.fields)
    if "subject_b" in data or creating:
        subject_b = " ".join(str(data.get("subject_b") or "").split())
        if len(subject_b) > SUBJECT_LIMIT:
            errors["subject_b"] = f"must be at most {SUBJECT_LIMIT} characters"
        elif subject_b:
            problem = templates_check.problems({"subject": subject_b}).get("subject")
            if problem:
                errors["subject_b"] = problem
        cleaned["subject_b"] = subject_b
    if errors:
        raise InvalidInput(_summary("The step was not saved", errors), errors)
    return cleaned


def add_step(campaign: Campaign, data: Mapping[str, Any]) -> CampaignStep:
    """Append a step after the last one."""
    _refuse_archived(campaign)
    cleaned = clean_campaign_step(data, creating=True)
    last = max((step.position for step in campaign.steps), default=0)
    step = CampaignStep(position=last + 1, **cleaned)
    campaign.steps.append(step)
    campaign.updated_at = clock.now()
    db.session.commit()
    return step


def update_step(step: CampaignStep, data: Mapping[str, Any]) -> CampaignStep:
    """Change a step; emails already queued keep what they were rendered with."""
    _refuse_archived(step.campaign)
    for name, value in clean_campaign_step(data, creating=False).items():
        setattr(step, name, value)
    step.campaign.updated_at = clock.now()
    db.session.commit()
    return step


def delete_step(step: CampaignStep) -> None:
    """Remove a step; its emails stay in the outbox, prospects keep their place."""
    campaign = step.campaign
    _refuse_archived(campaign)
    removed = step.position
    db.session.execute(update(OutboundEmail).where(OutboundEmail.campaign_step_id == step.id)
                       .values(campaign_step_id=None))
    db.session.execute(update(CampaignEnrollment)
                       .where(CampaignEnrollment.last_step_id == step.id)
                       .values(last_step_id=None))
    db.session.execute(
        update(CampaignEnrollment)
        .where(CampaignEnrollment.campaign_id == campaign.id,
               CampaignEnrollment.status.in_(RUNNING),
               CampaignEnrollment.next_position > removed)
        .values(next_position=CampaignEnrollment.next_position - 1))
    campaign.steps.remove(step)
    db.session.flush()
    steps = sorted(campaign.steps, key=lambda s: s.position)
    for number, kept in enumerate(steps, start=1):  # via negatives: (campaign, position) is unique
        kept.position = -number
    db.session.flush()
    for number, kept in enumerate(steps, start=1):
        kept.position = number
    campaign.updated_at = clock.now()
    db.session.commit()


# --- pause, resume, archive, remove ------------------------------------------------------


def pause(campaign: Campaign, actor: User | None) -> Campaign:
    """Stop queueing emails; prospects keep their place (emails already queued still go)."""
    return _switch(campaign, "active", "paused", "paused")


def resume(campaign: Campaign, actor: User | None) -> Campaign:
    """Go on where the campaign stopped; what fell due meanwhile goes out in the window."""
    return _switch(campaign, "paused", "active", "resumed")


def _switch(campaign: Campaign, before: str, after: str, verb: str) -> Campaign:
    if campaign.status != before:
        raise Conflict(f"Only {'an' if before == 'active' else 'a'} {before} campaign can be "
                       f"{verb}; this one is {campaign.status}.",
                       {"status": f"is {campaign.status}"})
    db.session.execute(update(CampaignEnrollment).where(
        CampaignEnrollment.campaign_id == campaign.id, CampaignEnrollment.status == before)
        .values(status=after).execution_options(synchronize_session=False))
    campaign.status = after
    return _touch(campaign)


def archive(campaign: Campaign, actor: User | None) -> Campaign:
    """End the campaign for good: every running enrollment stops (`archived`)."""
    _refuse_archived(campaign)
    now = clock.now()
    running = (CampaignEnrollment.campaign_id == campaign.id,
               CampaignEnrollment.status.in_(RUNNING))
    record_events(f"Campaign '{campaign.name}' stopped: archived", now, actor, *running)
    db.session.execute(update(CampaignEnrollment).where(*running).values(
        status="stopped", stop_reason="archived", stopped_at=now, next_due_at=None)
        .execution_options(synchronize_session=False))
    campaign.status, campaign.archived_at = "archived", now
    return _touch(campaign)


def record_events(summary: str, now: datetime, actor: User | None, *where: Any) -> None:
    """One timeline event for the partner of every campaign enrollment matching `where`, in
    one INSERT … SELECT (the caller commits)."""
    db.session.execute(insert(Interaction).from_select(
        ["partner_id", "kind", "direction", "occurred_at", "summary", "body", "author_id",
         "created_at"],
        select(CampaignEnrollment.partner_id, literal("system"), literal("internal"),
               literal(now, Interaction.occurred_at.type), literal(summary[:300]), literal(""),
               literal(actor.id if actor else None, Interaction.author_id.type),
               literal(now, Interaction.created_at.type)).where(*where)))


def _touch(campaign: Campaign) -> Campaign:
    campaign.updated_at = clock.now()
    db.session.commit()
    return campaign


def remove(enrollment: CampaignEnrollment, actor: User | None) -> CampaignEnrollment:
    """Take one prospect out by hand (`manual`); a finished enrollment stays as it is."""
    if enrollment.status in RUNNING:
        enrollment.status, enrollment.stop_reason = "stopped", "manual"
        enrollment.stopped_at, enrollment.next_due_at = clock.now(), None
        record_event(enrollment.partner,
                     f"Campaign '{enrollment.campaign.name}' stopped: manual", "", actor)
        db.session.commit()
    return enrollment
