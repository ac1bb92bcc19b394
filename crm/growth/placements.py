"""Paid placements: book, change and remove them, each on the partner's timeline.

Each write validates everything first, then writes, records what happened on the partner's
timeline and commits: an operation lands whole or not at all.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from crm import clock
from crm.errors import InvalidInput
from crm.extensions import db
from crm.growth.common import format_day, format_money, period_errors, today
from crm.models import PLACEMENT_KINDS, Membership, Placement, User
from crm.partners.service import record_event
from crm.templating import label

LIMITS = {"notes": 5000}
MAX_FEE_CENTS = 10**13


def placements_of(membership: Membership) -> list[Placement]:
    """The membership's paid placements, latest start first."""
    query = (select(Placement).where(Placement.membership_id == membership.id)
             .order_by(Placement.starts_on.desc(), Placement.id.desc()))
    return list(db.session.scalars(query))


def add_placement(
    membership: Membership, kind: str, starts_on: date | None, ends_on: date | None,
    fee_cents: int | None = None, notes: str = "", actor: User | None = None,
) -> Placement:
    """Book a paid placement; recorded on the partner's timeline."""
    values = _clean_placement(kind, starts_on, ends_on, fee_cents, notes)
    placement = Placement(membership=membership, created_by=actor, created_at=clock.now(),
                          **values)
    db.session.add(placement)
    db.session.flush()
    record_event(membership.partner,
                 f"Paid placement at {membership.client.name}: {describe_placement(placement)}",
                 placement.notes, actor)
    db.session.commit()
    return placement


def update_placement(
    placement: Placement, kind: str, starts_on: date | None, ends_on: date | None,
    fee_cents: int | None = None, notes: str = "", actor: User | None = None,
) -> Placement:
    """Change a placement's kind, dates, fee or notes; recorded on the timeline."""
    values = _clean_placement(kind, starts_on, ends_on, fee_cents, notes)
    if all(getattr(placement, name) == value for name, value in values.items()):
        return placement
    before = describe_placement(placement)
    for name, value in values.items():
        setattr(placement, name, value)
    after = describe_placement(placement)
    membership = placement.membership
    record_event(membership.partner,
                 f"Paid placement at {membership.client.name} changed: {after}",
                 f"Was: {before}" if before != after else "Notes edited.", actor)
    db.session.commit()
    return placement


def delete_placement(placement: Placement, actor: User | None = None) -> None:
    """Remove a placement booked by mistake; the timeline keeps a line about it."""
    membership = placement.membership
    record_event(membership.partner,
                 f"Paid placement at {membership.client.name} removed: "
                 f"{describe_placement(placement)}", "", actor)
    db.session.delete(placement)
    db.session.commit()


def describe_placement(placement: Placement) -> str:
    """Newsletter, 12 Mar 2026 – 19 Mar 2026, $1,250.00."""
    text = (f"{label(placement.kind)}, {format_day(placement.starts_on)} – "
            f"{format_day(placement.ends_on)}")
    if placement.fee_cents is not None:
        text += f", {format_money(placement.fee_cents, placement.membership.client.currency)}"
    return text


def _clean_placement(kind: str, starts_on: date | None, ends_on: date | None,
                     fee_cents: int | None, notes: str) -> dict[str, Any]:
    notes = (notes or "").strip()
    errors = placement_errors(kind, starts_on, ends_on, fee_cents, notes)
    if errors:
        raise InvalidInput("The placement could not be saved.", errors)
    return {"kind": kind, "starts_on": starts_on, "ends_on": ends_on, "fee_cents": fee_cents,
            "notes": notes}


def placement_errors(kind: str, starts_on: date | None, ends_on: date | None,
                     fee_cents: int | None, notes: str) -> dict[str, str]:
    """{field: reason} for every problem with these placement values (empty when valid)."""
    errors: dict[str, str] = {}
    if kind not in PLACEMENT_KINDS:
        errors["kind"] = f"must be one of {', '.join(PLACEMENT_KINDS)}"
    errors.update(period_errors(starts_on, ends_on, today()))
    problem = _fee_problem(fee_cents)
    if problem:
        errors["fee_cents"] = problem
    if len(notes.strip()) > LIMITS["notes"]:
        errors["notes"] = f"must be at most {LIMITS['notes']} characters"
    return errors


def _fee_problem(fee_cents: int | None) -> str | None:
    if fee_cents is None:
        return None
    if isinstance(fee_cents, bool) or not isinstance(fee_cents, int):
        return "must be a whole number of cents"
    if not 0 <= fee_cents <= MAX_FEE_CENTS:
        return "must be between 0 and 100,000,000,000.00"
    return None
