"""Small factories for the growth rules: performance days, commission changes, placements."""

from __future__ import annotations

from datetime import date, timedelta

from crm import clock
from crm.extensions import db
from crm.models import CommissionChange, Membership, PerformanceDay, Placement
from tests.factories import make_client, make_membership, make_partner


def member(client_name: str = "Forkful", currency: str = "USD", **fields) -> Membership:
    """An approved membership of a new active partner in a new client's program."""
    client = make_client(name=client_name, currency=currency)
    partner = make_partner(stage="active", last_interaction_at=clock.now())
    return make_membership(partner, client, **{"status": "approved", **fields})


def revenue(membership: Membership, first: date, days: int, total_cents: int) -> None:
    """Spread total_cents over `days` days from `first` (the remainder on the first day)."""
    each, rest = divmod(total_cents, days)
    db.session.add_all(
        PerformanceDay(membership_id=membership.id, day=first + timedelta(days=n),
                       revenue_cents=each + (rest if n == 0 else 0), imported_at=clock.now())
        for n in range(days))
    db.session.commit()


def commission_change(membership: Membership, effective_on: date) -> CommissionChange:
    row = CommissionChange(membership_id=membership.id, new_terms="10% CPS",
                           effective_on=effective_on, created_at=clock.now())
    db.session.add(row)
    db.session.commit()
    return row


def placement(membership: Membership, ends_on: date, kind: str = "newsletter") -> Placement:
    row = Placement(membership_id=membership.id, kind=kind, starts_on=ends_on - timedelta(days=7),
                    ends_on=ends_on, created_at=clock.now())
    db.session.add(row)
    db.session.commit()
    return row
