"""Reading performance: a partner's days per program, and a client's days for the API."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, select, tuple_

from crm.extensions import db
from crm.models import Client, Membership, Partner, PerformanceDay


@dataclass
class ProgramSeries:
    """One membership's days in a window, oldest first, and their sums."""

    membership_id: int
    client_id: int
    client_name: str
    currency: str
    days: list[PerformanceDay] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(day, name) for day in self.days)


def partner_series(partner: Partner, start: date, end: date) -> list[ProgramSeries]:
    """Every program the partner is in, by client name, with its days from start to end."""
    memberships = db.session.execute(
        select(Membership.id, Client.id, Client.name, Client.currency)
        .join(Client, Client.id == Membership.client_id)
        .where(Membership.partner_id == partner.id)
        .order_by(Client.name)
    ).all()
    series = {mid: ProgramSeries(mid, cid, name, currency)
              for mid, cid, name, currency in memberships}
    if series:
        days = db.session.scalars(
            select(PerformanceDay)
            .where(PerformanceDay.membership_id.in_(series),
                   PerformanceDay.day.between(start, end))
            .order_by(PerformanceDay.day)
        )
        for day in days:
            series[day.membership_id].days.append(day)
    return list(series.values())


def days_query(
    start: date, end: date, client_id: int | None = None,
    after: tuple[date, int] | None = None,
) -> Select[tuple[PerformanceDay, Membership]]:
    """Days in the window (optionally one client's), by day then id, after a cursor."""
    query = (
        select(PerformanceDay, Membership)
        .join(Membership, Membership.id == PerformanceDay.membership_id)
        .where(PerformanceDay.day.between(start, end))
        .order_by(PerformanceDay.day, PerformanceDay.id)
    )
    if client_id is not None:
        query = query.where(Membership.client_id == client_id)
    if after is not None:
        query = query.where(tuple_(PerformanceDay.day, PerformanceDay.id) > after)
    return query
