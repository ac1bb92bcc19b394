"""Commission terms with their history of changes, and which terms are in force on a day.

Each write validates everything first, then writes, records what happened on the partner's
timeline and commits: an operation lands whole or not at all.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from crm import clock
from crm.errors import InvalidInput
from crm.extensions import db
from crm.growth.common import date_problem, format_day, today
from crm.models import CommissionChange, Membership, User
from crm.partners.service import record_event

LIMITS = {"new_terms": 255, "reason": 2000}
# A commission change is dated within about a year of today; anything further is a typo.
EFFECTIVE_WINDOW = timedelta(days=366)


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
    elif len(new_terms) > LIMITS["new_terms"]:
        errors["new_terms"] = f"must be at most {LIMITS['new_terms']} characters"
    elif new_terms.casefold() == current.casefold():
        errors["new_terms"] = f"are the terms in force already ({current})"
    problem = date_problem(effective_on, on, EFFECTIVE_WINDOW, "a year")
    if problem:
        errors["effective_on"] = problem
    if len(reason) > LIMITS["reason"]:
        errors["reason"] = f"must be at most {LIMITS['reason']} characters"
    if errors or effective_on is None:
        raise InvalidInput("The commission change could not be recorded.", errors)
    return effective_on


def apply_due_changes(on: date | None = None) -> int:
    """Bring Membership.commission_terms up to the terms in force; returns how many changed.

    Recording a change already does this for its membership; this catches future-dated
    changes once their day comes. One UPDATE for every membership (the scan runs it).
    """
    on = on or today()
    in_force = (select(CommissionChange.new_terms)
                .where(CommissionChange.membership_id == Membership.id,
                       CommissionChange.effective_on <= on)
                .order_by(CommissionChange.effective_on.desc(), CommissionChange.id.desc())
                .limit(1).correlate(Membership).scalar_subquery())
    updated = db.session.execute(
        update(Membership).where(in_force.is_not(None), Membership.commission_terms != in_force)
        .values(commission_terms=in_force).execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return updated
