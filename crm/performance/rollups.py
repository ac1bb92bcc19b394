"""The performance rollups, recomputed from performance_days in the transaction that wrote them.

performance_client_days (a program's figures per day) and performance_membership_months (a
membership's figures per calendar month) let the client report read a few hundred rows
instead of every member's every day. Every writer of performance_days calls `refresh` with
the (membership, day) pairs it wrote, before it commits: the performance import (once per
import, after its last batch), `upsert_days`, the demo and the benchmark seeders. Days added,
changed or deleted through the ORM session are refreshed on flush by the listener below, so
factories and scripts that add PerformanceDay objects keep the rollups right too. A writer
that goes around both (raw SQL, COPY) must call `refresh` itself or `rebuild` afterwards.

Each touched rollup row is recomputed whole (delete it, then INSERT … SELECT … GROUP BY over
its days), never adjusted by a difference, so a rollup row is always exactly the sum of its
days and one that lost all its days disappears. On PostgreSQL, a transaction-scoped advisory
lock per client makes two imports into one program recompute one after the other, so the
second sees the first one's committed days (SQLite has a single writer anyway).

Memberships are never deleted by the application today. If one is (or its partner), its
month rows go with it (ON DELETE CASCADE), but the client's day rows still count its days:
call `rebuild(client_id)` after such a delete.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date

from sqlalchemy import Connection, Date, delete, event, func, literal, select
from sqlalchemy.orm import Session, attributes

from crm.extensions import db
from crm.models import (
    Membership,
    PerformanceClientDay,
    PerformanceDay,
    PerformanceMembershipMonth,
)

CHUNK = 500  # ids or days per statement: well under every driver's bound-parameter limit
LOCK_SPACE = 0x5250  # first key of the advisory lock; the client id is the second
FIGURES = ("clicks", "conversions", "revenue_cents", "commission_cents")

days_table = PerformanceDay.__table__
client_days = PerformanceClientDay.__table__
membership_months = PerformanceMembershipMonth.__table__

__all__ = ["first_of_month", "rebuild", "refresh"]


def refresh(days: Iterable[tuple[int, date]]) -> None:
    """Recompute the rollup rows covering these (membership id, day) pairs, in this transaction."""
    _refresh(db.session.connection(), set(days))


def rebuild(client_id: int) -> None:
    """Recompute every rollup row of one program from its stored days (after a bulk load)."""
    connection = db.session.connection()
    _lock(connection, [client_id])
    members = select(Membership.id).where(Membership.client_id == client_id)
    first, last = connection.execute(
        select(func.min(days_table.c.day), func.max(days_table.c.day))
        .where(days_table.c.membership_id.in_(members))).one()
    connection.execute(delete(client_days).where(client_days.c.client_id == client_id))
    connection.execute(delete(membership_months)
                       .where(membership_months.c.membership_id.in_(members)))
    if first is None:
        return
    connection.execute(client_days.insert().from_select(
        ["client_id", "day", *FIGURES], _client_day_totals(client_id)))
    month = first_of_month(first)
    while month <= last:
        connection.execute(membership_months.insert().from_select(
            ["membership_id", "month", *FIGURES],
            _membership_month_totals(month, days_table.c.membership_id.in_(members))))
        month = _next_month(month)


def first_of_month(day: date) -> date:
    """The month a day rolls up into, named by its first day."""
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _refresh(connection: Connection, pairs: set[tuple[int, date]]) -> None:
    if not pairs:
        return
    client_of = _clients_of(connection, {membership_id for membership_id, _ in pairs})
    _lock(connection, sorted(set(client_of.values())))
    days_of: dict[int, set[date]] = defaultdict(set)
    members_in: dict[date, set[int]] = defaultdict(set)
    for membership_id, day in pairs:
        if membership_id in client_of:  # a membership deleted meanwhile has nothing to roll up
            days_of[client_of[membership_id]].add(day)
            members_in[first_of_month(day)].add(membership_id)
    for client_id, days in days_of.items():
        for chunk in _chunks(sorted(days)):
            _recompute_client_days(connection, client_id, chunk)
    for month, members in members_in.items():
        for chunk in _chunks(sorted(members)):
            _recompute_membership_months(connection, month, chunk)


def _clients_of(connection: Connection, membership_ids: set[int]) -> dict[int, int]:
    client_of: dict[int, int] = {}
    for chunk in _chunks(sorted(membership_ids)):
        client_of.update(connection.execute(
            select(Membership.id, Membership.client_id).where(Membership.id.in_(chunk))).all())
    return client_of


def _lock(connection: Connection, client_ids: list[int]) -> None:
    # In id order, so two imports touching the same programs cannot deadlock.
    if connection.dialect.name != "postgresql":
        return
    for client_id in client_ids:
        connection.execute(select(func.pg_advisory_xact_lock(LOCK_SPACE, client_id)))


def _sums() -> list:
    return [func.sum(days_table.c[name]) for name in FIGURES]


def _client_day_totals(client_id: int, *where):
    return (
        select(Membership.client_id, days_table.c.day, *_sums())
        .select_from(days_table)
        .join(Membership.__table__, Membership.id == days_table.c.membership_id)
        .where(Membership.client_id == client_id, *where)
        .group_by(Membership.client_id, days_table.c.day)
    )


def _membership_month_totals(month: date, *where):
    return (
        select(days_table.c.membership_id, literal(month, Date()), *_sums())
        .where(days_table.c.day >= month, days_table.c.day < _next_month(month), *where)
        .group_by(days_table.c.membership_id)
    )


def _recompute_client_days(connection: Connection, client_id: int, days: list[date]) -> None:
    connection.execute(delete(client_days).where(client_days.c.client_id == client_id,
                                                 client_days.c.day.in_(days)))
    connection.execute(client_days.insert().from_select(
        ["client_id", "day", *FIGURES],
        _client_day_totals(client_id, days_table.c.day.in_(days))))


def _recompute_membership_months(
    connection: Connection, month: date, membership_ids: list[int]
) -> None:
    connection.execute(delete(membership_months).where(
        membership_months.c.month == month, membership_months.c.membership_id.in_(membership_ids)))
    connection.execute(membership_months.insert().from_select(
        ["membership_id", "month", *FIGURES],
        _membership_month_totals(month, days_table.c.membership_id.in_(membership_ids))))


def _chunks(items: list) -> Iterator[list]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


@event.listens_for(Session, "after_flush")
def _refresh_flushed_days(session: Session, _context) -> None:
    """Days written through the ORM (added, changed or deleted objects) refresh on flush."""
    pairs: set[tuple[int, date]] = set()
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, PerformanceDay):
            pairs.update(_pairs_of(instance))
    if pairs:
        _refresh(session.connection(), pairs)


def _pairs_of(day: PerformanceDay) -> Iterator[tuple[int, date]]:
    """The day's (membership, day) now and, if either was changed, before."""
    yield day.membership_id, day.day
    membership = attributes.get_history(day, "membership_id")
    when = attributes.get_history(day, "day")
    if membership.deleted or when.deleted:
        yield ((membership.deleted or [day.membership_id])[0], (when.deleted or [day.day])[0])
