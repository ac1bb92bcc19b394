"""The partner page's view of growth: per membership, the terms in force, placements and
promotions by state, and the lever to suggest next.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from crm.extensions import db
from crm.growth.commissions import in_force
from crm.growth.common import today
from crm.growth.levers import levers_in_use, placement_state, promotion_state, suggest_lever
from crm.models import CommissionChange, Membership, Partner, Placement, Promotion


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
