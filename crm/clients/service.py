"""Domain operations on clients and their programs (memberships)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select

from crm import clock
from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import GROWTH_LEVERS, MEMBERSHIP_STATUSES, Client, Membership, Partner, User
from crm.partners.fields import split_list
from crm.partners.service import record_event

CLIENT_FIELDS = ("name", "website", "goals", "brand_notes", "growth_levers")
CLIENT_LIMITS = {"name": 120, "website": 255, "goals": 20_000, "brand_notes": 20_000}


def clean_client_fields(data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    """Validated client values; InvalidInput lists every bad field."""
    errors = {name: "is not a client field" for name in sorted(set(data) - set(CLIENT_FIELDS))}
    cleaned: dict[str, Any] = {}
    for name in CLIENT_FIELDS:
        if name not in data:
            continue
        if name == "growth_levers":
            levers = split_list(data[name] or [])
            unknown = [lever for lever in levers if lever not in GROWTH_LEVERS]
            if unknown:
                errors[name] = (
                    f"unknown lever(s) {', '.join(unknown)}; use {', '.join(GROWTH_LEVERS)}"
                )
            cleaned[name] = levers
            continue
        text = str(data[name] or "").strip()
        if len(text) > CLIENT_LIMITS[name]:
            errors[name] = f"must be at most {CLIENT_LIMITS[name]} characters"
        cleaned[name] = text
    if creating and not cleaned.get("name"):
        errors["name"] = "is required"
    elif "name" in cleaned and not cleaned["name"]:
        errors["name"] = "is required"
    if errors:
        raise InvalidInput("Some client fields are not valid.", errors)
    return cleaned


def _refuse_duplicate_name(name: str, exclude_id: int | None = None) -> None:
    query = select(Client.id).where(func.lower(Client.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Client.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise Conflict("A client with this name exists.", {"name": "already taken"})


def create_client(data: Mapping[str, Any]) -> Client:
    """Add a client (merchant brand)."""
    cleaned = clean_client_fields(data, creating=True)
    _refuse_duplicate_name(cleaned["name"])
    client = Client(created_at=clock.now(), **{"growth_levers": [], **cleaned})
    db.session.add(client)
    db.session.commit()
    return client


def update_client(client: Client, data: Mapping[str, Any]) -> Client:
    """Change a client's profile."""
    cleaned = clean_client_fields(data, creating=False)
    if "name" in cleaned:
        _refuse_duplicate_name(cleaned["name"], exclude_id=client.id)
    for name, value in cleaned.items():
        setattr(client, name, value)
    db.session.commit()
    return client


def add_member(
    client: Client,
    partner: Partner,
    actor: User | None,
    status: str = "pending",
    commission_terms: str = "",
    started_on: date | None = None,
) -> Membership:
    """Put a partner into a client's program; recorded on the partner's timeline."""
    errors: dict[str, str] = {}
    if status not in MEMBERSHIP_STATUSES:
        errors["status"] = f"must be one of {', '.join(MEMBERSHIP_STATUSES)}"
    if len(commission_terms or "") > 255:
        errors["commission_terms"] = "must be at most 255 characters"
    if errors:
        raise InvalidInput("The partner could not be added to the program.", errors)
    existing = db.session.scalar(
        select(Membership).where(
            Membership.client_id == client.id, Membership.partner_id == partner.id
        )
    )
    if existing is not None:
        raise Conflict(
            f"{partner.name} is already in {client.name}'s program.",
            {"partner_id": "already a member"},
        )
    membership = Membership(
        client=client, partner=partner, status=status,
        commission_terms=(commission_terms or "").strip(), started_on=started_on,
        created_at=clock.now(),
    )
    db.session.add(membership)
    detail = f"Status {status}" + (f"; terms: {membership.commission_terms}"
                                   if membership.commission_terms else "")
    record_event(partner, f"Added to {client.name}'s program", detail, actor)
    _welcome_if_approved(membership, actor)
    db.session.commit()
    return membership


def set_membership_status(membership: Membership, status: str, actor: User | None) -> Membership:
    """Approve, pause or end a partner's membership; recorded on the timeline."""
    if status not in MEMBERSHIP_STATUSES:
        raise InvalidInput(
            "Unknown membership status.",
            {"status": f"must be one of {', '.join(MEMBERSHIP_STATUSES)}"},
        )
    if membership.status == status:
        return membership
    old = membership.status
    membership.status = status
    record_event(
        membership.partner,
        f"{membership.client.name} program: {old} → {status}", "", actor,
    )
    _welcome_if_approved(membership, actor)
    db.session.commit()
    return membership


def _welcome_if_approved(membership: Membership, actor: User | None) -> None:
    # Imported here: the outreach engine builds on the crm modules.
    from outreach import auto_enroll

    db.session.flush()
    auto_enroll.on_membership_approved(membership, actor)
