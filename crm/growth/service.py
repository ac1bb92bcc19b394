"""Domain operations on growth records: commission changes, paid placements and promotions.

Each public write validates everything first, then writes, records what happened on the
partner's timeline and commits: an operation lands whole or not at all. "Today" is the UTC
date of crm.clock.now(), the day the follow-up rules and the client reports count in too.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from crm import clock
from crm.errors import InvalidInput, NotFound
from crm.extensions import db
from crm.growth.levers import levers_in_use, placement_state, promotion_state, suggest_lever
from crm.models import (
    PLACEMENT_KINDS,
    CommissionChange,
    Membership,
    Partner,
    Placement,
    Promotion,
    User,
)
from crm.partners.service import record_event
from crm.templating import label

LIMITS = {"terms": 255, "reason": 2000, "notes": 5000, "promotion_terms": 5000, "code": 64}
# A commission change is dated within about a year of today; anything further is a typo.
EFFECTIVE_WINDOW = timedelta(days=366)
# Placements and promotions may be booked well ahead or entered from old records.
DATE_WINDOW = timedelta(days=5 * 366)
MAX_FEE_CENTS = 10**13
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def today() -> date:
    """The current UTC date: the day growth records are in force, running or ended on."""
    return clock.now().date()


def load_membership(membership_id: int) -> Membership:
    """The membership with this id, or NotFound."""
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(f"There is no membership #{membership_id}.")
    return membership


def format_day(day: date) -> str:
    """12 Mar 2026."""
    return f"{day.day} {day:%b %Y}"


def format_money(cents: int, currency: str) -> str:
    """Whole cents as money: $1,250.00 for USD, EUR and GBP by symbol, else 1,250.00 CHF."""
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    amount = f"{units:,}.{rest:02d}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


# --- commission terms ---------------------------------------------------------------------


def commission_changes_of(membership: Membership) -> list[CommissionChange]:
    """The membership's commission changes, newest effective date first."""
    query = (select(CommissionChange).where(CommissionChange.membership_id == membership.id)
             .order_by(CommissionChange.effective_on.desc(), CommissionChange.id.desc()))
    return list(db.session.scalars(query))


def in_force(changes: list[CommissionChange], joining_terms: str, on: date) -> str:
    """The terms in force on `on`: those of the newest change effective on or before it.

    Newest means the latest effective date, then the latest recorded. Before any change
    takes effect, the terms are the membership's own (set when the partner joined).
    """
    effective = [change for change in changes if change.effective_on <= on]
    if not effective:
        return joining_terms
    return max(effective, key=lambda change: (change.effective_on, change.id or 0)).new_terms


def terms_in_force(membership: Membership, on: date | None = None) -> str:
    """The membership's commission terms in force on `on` (default today)."""
    return in_force(commission_changes_of(membership), membership.commission_terms,
                    on or today())


def record_commission_change(
    membership: Membership, new_terms: str, effective_on: date | None, reason: str = "",
    actor: User | None = None,
) -> CommissionChange:
    """Record a change of commission terms; in force at once when effective today or before.

    A future-dated change is stored and shown as "from <date>"; the terms in force are
    always those of the newest change effective on or before today (see in_force), and
    Membership.commission_terms is brought up to that whenever a change is recorded.
    """
    on = today()
    new_terms, reason = (new_terms or "").strip(), (reason or "").strip()
    changes = commission_changes_of(membership)
    current = in_force(changes, membership.commission_terms, on)
    effective_on = _checked_change(current, new_terms, effective_on, reason, on)
    change = CommissionChange(
        membership=membership, old_terms=current, new_terms=new_terms,
        effective_on=effective_on, reason=reason, created_by=actor, created_at=clock.now())
    db.session.add(change)
    db.session.flush()
    membership.commission_terms = in_force([*changes, change], current, on)
    old = change.old_terms or "none"
    record_event(membership.partner,
                 f"Commission at {membership.client.name}: {old} → {new_terms} "
                 f"from {format_day(effective_on)}", reason, actor)
    db.session.commit()
    return change


def _checked_change(current: str, new_terms: str, effective_on: date | None, reason: str,
                    on: date) -> date:
    """The effective date once every value is valid; InvalidInput lists each bad field."""
    errors: dict[str, str] = {}
    if not new_terms:
        errors["new_terms"] = "is required"
    elif len(new_terms) > LIMITS["terms"]:
        errors["new_terms"] = f"must be at most {LIMITS['terms']} characters"
    elif new_terms.casefold() == current.casefold():
        errors["new_terms"] = f"are the terms in force already ({current})"
    problem = _date_problem(effective_on, on, EFFECTIVE_WINDOW, "a year")
    if problem:
        errors["effective_on"] = problem
    if len(reason) > LIMITS["reason"]:
        errors["reason"] = f"must be at most {LIMITS['reason']} characters"
    if errors or effective_on is None:
        raise InvalidInput("The commission change could not be recorded.", errors)
    return effective_on


def _date_problem(value: date | None, on: date, window: timedelta, words: str) -> str | None:
    if value is None:
        return "is required"
    if abs(value - on) > window:
        return f"must be within {words} of today ({format_day(on)})"
    return None


def apply_due_changes(on: date | None = None) -> int:
    """Bring Membership.commission_terms up to the terms in force; returns how many changed.

    Recording a change already does this for its membership; this catches future-dated
    changes once their day comes (for a daily job).
    """
    on = on or today()
    changes = db.session.scalars(select(CommissionChange)
                                 .where(CommissionChange.effective_on <= on)).all()
    newest: dict[int, CommissionChange] = {}
    for change in changes:
        best = newest.get(change.membership_id)
        if best is None or (change.effective_on, change.id) > (best.effective_on, best.id):
            newest[change.membership_id] = change
    updated = 0
    for membership_id, change in newest.items():
        membership = db.session.get(Membership, membership_id)
        if membership is not None and membership.commission_terms != change.new_terms:
            membership.commission_terms = change.new_terms
            updated += 1
    db.session.commit()
    return updated


# --- placements ---------------------------------------------------------------------------


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
    on = today()
    errors: dict[str, str] = {}
    if kind not in PLACEMENT_KINDS:
        errors["kind"] = f"must be one of {', '.join(PLACEMENT_KINDS)}"
    for name, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        problem = _date_problem(value, on, DATE_WINDOW, "five years")
        if problem:
            errors[name] = problem
    if starts_on and ends_on and "ends_on" not in errors and ends_on < starts_on:
        errors["ends_on"] = "must be on or after the start date"
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


# --- promotions ---------------------------------------------------------------------------


def promotions_of(membership: Membership) -> list[Promotion]:
    """The membership's promotions, latest start first."""
    query = (select(Promotion).where(Promotion.membership_id == membership.id)
             .order_by(Promotion.starts_on.desc(), Promotion.id.desc()))
    return list(db.session.scalars(query))


def add_promotion(
    membership: Membership, code: str, starts_on: date | None, ends_on: date | None = None,
    terms: str = "", actor: User | None = None,
) -> Promotion:
    """Record a promotion the partner runs; recorded on the partner's timeline."""
    code, terms = (code or "").strip(), (terms or "").strip()
    _check_promotion(code, starts_on, ends_on, terms)
    promotion = Promotion(membership=membership, code=code, starts_on=starts_on,
                          ends_on=ends_on, terms=terms, created_by=actor,
                          created_at=clock.now())
    db.session.add(promotion)
    db.session.flush()
    record_event(membership.partner,
                 f"Promotion at {membership.client.name}: {describe_promotion(promotion)}",
                 terms, actor)
    db.session.commit()
    return promotion


def describe_promotion(promotion: Promotion) -> str:
    """code SPRING20, 12 Mar 2026 – 30 Apr 2026 (or 'from 12 Mar 2026, no end date')."""
    code = f"code {promotion.code}, " if promotion.code else ""
    if promotion.ends_on is None:
        return f"{code}from {format_day(promotion.starts_on)}, no end date"
    return f"{code}{format_day(promotion.starts_on)} – {format_day(promotion.ends_on)}"


def code_problem(code: str) -> str | None:
    """Why a promotion code is unusable (too long, spaces, control characters), or None."""
    if len(code) > LIMITS["code"]:
        return f"must be at most {LIMITS['code']} characters"
    if any(char.isspace() or unicodedata.category(char).startswith("C") for char in code):
        return "must not contain spaces or control characters"
    return None


def _check_promotion(code: str, starts_on: date | None, ends_on: date | None,
                     terms: str) -> None:
    on = today()
    errors: dict[str, str] = {}
    problem = code_problem(code)
    if problem:
        errors["code"] = problem
    problem = _date_problem(starts_on, on, DATE_WINDOW, "five years")
    if problem:
        errors["starts_on"] = problem
    if ends_on is not None:
        problem = _date_problem(ends_on, on, DATE_WINDOW, "five years")
        if problem:
            errors["ends_on"] = problem
        elif starts_on and ends_on < starts_on:
            errors["ends_on"] = "must be on or after the start date"
    if len(terms) > LIMITS["promotion_terms"]:
        errors["terms"] = f"must be at most {LIMITS['promotion_terms']} characters"
    if errors:
        raise InvalidInput("The promotion could not be saved.", errors)


# --- the partner page ---------------------------------------------------------------------


@dataclass
class MembershipGrowth:
    """What the partner page shows for one membership."""

    membership: Membership
    terms: str
    changes: list[CommissionChange]
    placements: dict[str, list[Placement]] = field(default_factory=dict)
    promotions: dict[str, list[Promotion]] = field(default_factory=dict)
    suggestion: str | None = None


def growth_of(partner: Partner, on: date | None = None) -> list[MembershipGrowth]:
    """Each of the partner's memberships with its growth records, in three queries."""
    on = on or today()
    memberships = sorted(partner.memberships, key=lambda m: (m.client.name.casefold(), m.id))
    ids = [m.id for m in memberships]
    changes = _by_membership(CommissionChange, ids, CommissionChange.effective_on)
    placements = _by_membership(Placement, ids, Placement.starts_on)
    promotions = _by_membership(Promotion, ids, Promotion.starts_on)
    return [_growth(m, on, changes[m.id], placements[m.id], promotions[m.id])
            for m in memberships]


def _by_membership(model: Any, ids: list[int], day_column: Any) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    if ids:
        query = (select(model).where(model.membership_id.in_(ids))
                 .order_by(day_column.desc(), model.id.desc()))
        for row in db.session.scalars(query):
            grouped[row.membership_id].append(row)
    return grouped


def _growth(membership: Membership, on: date, changes: list[CommissionChange],
            placements: list[Placement], promotions: list[Promotion]) -> MembershipGrowth:
    growth = MembershipGrowth(membership, in_force(changes, membership.commission_terms, on),
                              changes)
    for state in ("running", "upcoming", "ended"):
        growth.placements[state] = [p for p in placements if placement_state(p, on) == state]
        growth.promotions[state] = [p for p in promotions if promotion_state(p, on) == state]
    # Upcoming ones soonest first; running and ended ones latest start first.
    growth.placements["upcoming"].reverse()
    growth.promotions["upcoming"].reverse()
    if membership.status == "approved":
        in_use = levers_in_use(on, changes, placements, promotions)
        growth.suggestion = suggest_lever(membership.client.growth_levers or [], in_use)
    return growth
