"""Domain operations on partners: create, edit, move through the pipeline, log interactions.

Each public function owns its transaction: it validates, writes, records what happened on
the partner's timeline, and commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select

from crm import clock
from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import DIRECTIONS, LOGGABLE_KINDS, Interaction, Partner, PartnerTag, User
from crm.partners.fields import clean_partner_fields
from crm.partners.identity import search_text
from crm.partners.threads import thread_columns
from outreach.followups import resolve_on_interaction

SUMMARY_LIMIT = 300


def find_duplicate(
    email_key: str | None, website_domain: str | None, exclude_id: int | None = None
) -> Partner | None:
    """An existing partner with the same email or the same website domain."""
    conditions = []
    if email_key:
        conditions.append(Partner.email_key == email_key)
    if website_domain:
        conditions.append(Partner.website_domain == website_domain)
    if not conditions:
        return None
    query = select(Partner).where(or_(*conditions))
    if exclude_id is not None:
        query = query.where(Partner.id != exclude_id)
    return db.session.scalars(query.order_by(Partner.id).limit(1)).first()


def _refuse_duplicate(cleaned: Mapping[str, Any], exclude_id: int | None = None) -> None:
    twin = find_duplicate(cleaned.get("email_key"), cleaned.get("website_domain"), exclude_id)
    if twin is None:
        return
    if cleaned.get("email_key") and twin.email_key == cleaned["email_key"]:
        field = "email"
    else:
        field = "website"
    raise Conflict(
        f"{twin.name} (partner #{twin.id}) already has this {field}.",
        {field: f"already used by partner #{twin.id} {twin.name}"},
    )


def refresh_search_text(partner: Partner) -> None:
    partner.search_text = search_text(
        partner.name, partner.email, partner.company, partner.website_domain, partner.website
    )


def set_tags(partner: Partner, names: list[str]) -> None:
    current = {tag.name: tag for tag in partner.tags}
    partner.tags = [current.get(name) or PartnerTag(name=name) for name in names]


def _apply(partner: Partner, cleaned: Mapping[str, Any]) -> None:
    for name, value in cleaned.items():
        if name == "tags":
            set_tags(partner, value)
        else:
            setattr(partner, name, value)
    refresh_search_text(partner)


def create_partner(
    data: Mapping[str, Any], actor: User | None, *, commit: bool = True
) -> Partner:
    """Add a partner by hand; an existing email or website domain is a Conflict.

    With commit=False the partner is only flushed, for a caller that owns the transaction.
    """
    cleaned = clean_partner_fields(data, creating=True)
    _refuse_duplicate(cleaned)
    now = clock.now()
    partner = Partner(
        created_at=now, updated_at=now, stage="prospect", source="other", tags=[], channels=[]
    )
    if actor is not None and "owner_id" not in cleaned:
        partner.owner_id = actor.id
    _apply(partner, cleaned)
    db.session.add(partner)
    db.session.flush()
    record_event(partner, "Partner added", f"Added by {actor.name}" if actor else "", actor)
    if commit:
        db.session.commit()
    return partner


def update_partner(partner: Partner, data: Mapping[str, Any], actor: User | None,
                   commit: bool = True) -> Partner:
    """Change fields; stage, owner and other edits are each recorded on the timeline.

    `commit=False` leaves the transaction to the caller (the inbound path, which applies a
    whole message at once)."""
    cleaned = clean_partner_fields(data, creating=False)
    _refuse_duplicate(cleaned, exclude_id=partner.id)
    old_stage, old_owner = partner.stage, partner.owner
    changed = [
        name for name, value in cleaned.items()
        if name not in ("email_key", "website_domain")
        and (partner.tag_names if name == "tags" else getattr(partner, name)) != value
    ]
    if not changed:
        return partner
    _apply(partner, cleaned)
    partner.updated_at = clock.now()
    if "stage" in changed:
        partner.stage_changed_at = partner.updated_at
    db.session.flush()
    _record_changes(partner, changed, old_stage, old_owner, actor)
    if "stage" in changed:
        _react_to_stage(partner, old_stage, actor)
    if commit:
        db.session.commit()
    return partner


def _react_to_stage(partner: Partner, old_stage: str, actor: User | None) -> None:
    """Onboarding starts the welcome; churn stops every sequence still running."""
    # Imported here: the outreach engine builds on this module (record_event).
    from outreach import auto_enroll, campaign_stops, enrollments

    if partner.stage == "churned":
        enrollments.stop_all(partner.id, "churn", actor)
    else:
        auto_enroll.on_stage_changed(partner, old_stage, partner.stage, actor)
    campaign_stops.on_stage_changed(partner, actor)


def _record_changes(
    partner: Partner, changed: list[str], old_stage: str, old_owner: User | None,
    actor: User | None,
) -> None:
    if "stage" in changed:
        record_event(partner, f"Stage changed: {old_stage} → {partner.stage}", "", actor)
    if "owner_id" in changed:
        db.session.refresh(partner, ["owner"])
        before = old_owner.name if old_owner else "nobody"
        after = partner.owner.name if partner.owner else "nobody"
        record_event(partner, f"Owner changed: {before} → {after}", "", actor)
    others = [name for name in changed if name not in ("stage", "owner_id")]
    if others:
        record_event(partner, "Profile edited", "Changed: " + ", ".join(others), actor)


def change_stage(partner: Partner, stage: str, actor: User | None,
                 commit: bool = True) -> Partner:
    """Move the partner through the pipeline."""
    return update_partner(partner, {"stage": stage}, actor, commit)


def change_owner(partner: Partner, owner_id: int | None, actor: User | None) -> Partner:
    """Hand the partner to another manager."""
    return update_partner(partner, {"owner_id": owner_id}, actor)


def record_event(
    partner: Partner, summary: str, body: str = "", actor: User | None = None,
    occurred_at: datetime | None = None,
) -> Interaction:
    """Add a system entry to the timeline inside the caller's transaction."""
    now = clock.now()
    event = Interaction(
        partner_id=partner.id, kind="system", direction="internal",
        occurred_at=occurred_at or now, summary=summary[:SUMMARY_LIMIT], body=body,
        author_id=actor.id if actor else None, created_at=now,
    )
    db.session.add(event)
    return event


def log_interaction(
    partner: Partner,
    author: User | None,
    kind: str,
    summary: str,
    body: str = "",
    occurred_at: datetime | None = None,
    direction: str = "outbound",
    message_id: str | None = None,
    references: Sequence[str] = (),
) -> Interaction:
    """Log a note, call, email, meeting or conference contact on the timeline.

    An email that was really sent or received keeps its Message-ID and the ids it refers to
    (oldest first), so the timeline can group its thread and a reply can thread with it.
    """
    errors: dict[str, str] = {}
    if kind not in LOGGABLE_KINDS:
        errors["kind"] = f"must be one of {', '.join(LOGGABLE_KINDS)}"
    if direction not in DIRECTIONS:
        errors["direction"] = f"must be one of {', '.join(DIRECTIONS)}"
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = "is required"
    elif len(summary) > SUMMARY_LIMIT:
        errors["summary"] = f"must be at most {SUMMARY_LIMIT} characters"
    if occurred_at is not None and occurred_at.tzinfo is None:
        errors["occurred_at"] = "must include a time zone offset"
    if errors:
        raise InvalidInput("The interaction could not be logged.", errors)
    now = clock.now()
    interaction = Interaction(
        partner_id=partner.id, kind=kind, direction=direction if kind != "note" else "internal",
        occurred_at=occurred_at or now, summary=summary, body=(body or "").strip(),
        author_id=author.id if author else None, created_at=now,
    )
    if kind == "email" and message_id:
        for name, value in thread_columns(message_id, references).items():
            setattr(interaction, name, value)
    db.session.add(interaction)
    if partner.last_interaction_at is None or interaction.occurred_at > partner.last_interaction_at:
        partner.last_interaction_at = interaction.occurred_at
    # Never tell a manager to call someone they called an hour ago: not at the next scan, now.
    resolve_on_interaction(partner.id, now)
    db.session.commit()
    return interaction
