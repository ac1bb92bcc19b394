"""Promotions a partner runs: record, edit and end them early, each on the partner's timeline.

Each write validates everything first, then writes, records what happened on the partner's
timeline and commits: an operation lands whole or not at all.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import select

from crm import clock
from crm.errors import InvalidInput
from crm.extensions import db
from crm.growth.common import format_day, period_errors, today
from crm.models import Membership, Promotion, User
from crm.partners.service import record_event

LIMITS = {"code": 64, "terms": 5000, "reason": 2000}


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


def update_promotion(
    promotion: Promotion, code: str, starts_on: date | None, ends_on: date | None = None,
    terms: str = "", actor: User | None = None,
) -> Promotion:
    """Change a promotion's code, dates or terms; recorded on the timeline (no change: none)."""
    values = {"code": (code or "").strip(), "starts_on": starts_on, "ends_on": ends_on,
              "terms": (terms or "").strip()}
    _check_promotion(**values)
    if all(getattr(promotion, name) == value for name, value in values.items()):
        return promotion
    before = describe_promotion(promotion)
    for name, value in values.items():
        setattr(promotion, name, value)
    after = describe_promotion(promotion)
    _record(promotion, "changed", f"Was: {before}" if before != after else "Terms edited.",
            actor)
    db.session.commit()
    return promotion


def end_promotion(promotion: Promotion, reason: str = "", actor: User | None = None
                  ) -> Promotion:
    """End a running promotion today: today becomes its last day; recorded on the timeline.

    Ending one that already ends today changes nothing. One that has not started yet or
    has ended already cannot be ended (InvalidInput on ends_on): edit its dates instead.
    """
    on, reason = today(), (reason or "").strip()
    _check_ending(promotion, reason, on)
    if promotion.ends_on == on:
        return promotion
    before = describe_promotion(promotion)
    promotion.ends_on = on
    _record(promotion, "ended early", "\n\n".join(filter(None, (reason, f"Was: {before}"))),
            actor)
    db.session.commit()
    return promotion


def ending_problem(promotion: Promotion, on: date) -> str | None:
    """Why the promotion cannot be ended on `on` (not started, or ended already), or None."""
    if promotion.starts_on > on:
        return (f"it has not started yet (it starts {format_day(promotion.starts_on)}); "
                "change its dates instead")
    if promotion.ends_on is not None and promotion.ends_on < on:
        return f"it ended on {format_day(promotion.ends_on)} already"
    return None


def can_end_early(promotion: Promotion, on: date) -> bool:
    """True when ending the promotion on `on` would shorten it (see end_promotion)."""
    return ending_problem(promotion, on) is None and promotion.ends_on != on


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


def _record(promotion: Promotion, what: str, body: str, actor: User | None) -> None:
    membership = promotion.membership
    record_event(membership.partner,
                 f"Promotion at {membership.client.name} {what}: "
                 f"{describe_promotion(promotion)}", body, actor)


def _check_promotion(code: str, starts_on: date | None, ends_on: date | None,
                     terms: str) -> None:
    errors: dict[str, str] = {}
    problem = code_problem(code)
    if problem:
        errors["code"] = problem
    errors.update(period_errors(starts_on, ends_on, today(), end_required=False))
    if len(terms) > LIMITS["terms"]:
        errors["terms"] = f"must be at most {LIMITS['terms']} characters"
    if errors:
        raise InvalidInput("The promotion could not be saved.", errors)


def _check_ending(promotion: Promotion, reason: str, on: date) -> None:
    errors: dict[str, str] = {}
    problem = ending_problem(promotion, on)
    if problem:
        errors["ends_on"] = problem
    if len(reason) > LIMITS["reason"]:
        errors["reason"] = f"must be at most {LIMITS['reason']} characters"
    if errors:
        raise InvalidInput("The promotion could not be ended.", errors)
