"""What the dashboard counts: one query per figure, whatever the number of partners.

`owner_id` narrows every figure to one manager's partners (and calls); None is everyone's.
"This week" starts on Monday at midnight in the viewer's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.followups.queries import queue_query
from crm.models import (
    STAGES,
    Enrollment,
    FollowUp,
    InboundMessage,
    Meeting,
    OutboundEmail,
    Partner,
    Sequence,
)

TOP_FOLLOWUPS = 5
CALLS_SHOWN = 10
CALL_DAYS = 7


@dataclass(frozen=True)
class Week:
    """The seven local days of the viewer's week, as UTC instants (eight edges)."""

    days: list[date]
    edges: list[datetime]

    @classmethod
    def containing(cls, now: datetime, zone: ZoneInfo) -> Week:
        """The Monday-to-Sunday week around `now` in `zone`."""
        local = now.astimezone(zone).date()
        monday = local - timedelta(days=local.weekday())
        days = [monday + timedelta(days=n) for n in range(7)]
        edges = [datetime.combine(monday + timedelta(days=n), time(), zone).astimezone(UTC)
                 for n in range(8)]
        return cls(days, edges)


@dataclass
class Dashboard:
    """Every figure on the page."""

    stages: dict[str, int]
    open_followups: int
    top_followups: list[FollowUp]
    calls: list[Meeting]
    calls_total: int
    sequences: list[tuple[str, int]]
    week: Week
    sends: list[int]
    replies: list[int]

    @property
    def partners(self) -> int:
        return sum(self.stages.values())

    @property
    def enrolled(self) -> int:
        return sum(count for _, count in self.sequences)


def dashboard(owner_id: int | None, now: datetime, zone: ZoneInfo) -> Dashboard:
    """The dashboard's figures for one manager (None: everyone) at `now`."""
    week = Week.containing(now, zone)
    calls, calls_total = upcoming_calls(owner_id, now)
    return Dashboard(
        stages=stage_counts(owner_id), open_followups=open_followups(owner_id),
        top_followups=list(db.session.scalars(queue_query(owner_id).limit(TOP_FOLLOWUPS))),
        calls=calls, calls_total=calls_total, sequences=sequences_in_flight(owner_id),
        week=week, sends=per_day(_sends(owner_id), OutboundEmail.sent_at, week),
        replies=per_day(_replies(owner_id), InboundMessage.received_at, week),
    )


def _owned(query: Select, owner_id: int | None, partner_id) -> Select:
    if owner_id is None:
        return query
    return query.join(Partner, Partner.id == partner_id).where(Partner.owner_id == owner_id)


def stage_counts(owner_id: int | None) -> dict[str, int]:
    """Partners per stage, every stage listed (0 when none)."""
    query = select(Partner.stage, func.count(Partner.id)).group_by(Partner.stage)
    if owner_id is not None:
        query = query.where(Partner.owner_id == owner_id)
    counts = dict(db.session.execute(query).all())
    return {stage: counts.get(stage, 0) for stage in STAGES}


def open_followups(owner_id: int | None) -> int:
    query = _owned(select(func.count(FollowUp.id)).where(FollowUp.status == "open"),
                   owner_id, FollowUp.partner_id)
    return db.session.scalar(query) or 0


def upcoming_calls(owner_id: int | None, now: datetime) -> tuple[list[Meeting], int]:
    """Scheduled calls in the next seven days (the first few), and how many there are."""
    window = (Meeting.status == "scheduled", Meeting.starts_at >= now,
              Meeting.starts_at < now + timedelta(days=CALL_DAYS))
    mine = () if owner_id is None else (Meeting.manager_id == owner_id,)
    calls = db.session.scalars(
        select(Meeting).where(*window, *mine).options(joinedload(Meeting.partner))
        .order_by(Meeting.starts_at, Meeting.id).limit(CALLS_SHOWN)).all()
    total = db.session.scalar(select(func.count(Meeting.id)).where(*window, *mine)) or 0
    return list(calls), total


def sequences_in_flight(owner_id: int | None) -> list[tuple[str, int]]:
    """Active enrollments per sequence, the busiest first."""
    count = func.count(Enrollment.id)
    query = _owned(
        select(Sequence.name, count).join(Sequence, Sequence.id == Enrollment.sequence_id)
        .where(Enrollment.status == "active").group_by(Sequence.id, Sequence.name)
        .order_by(count.desc(), Sequence.name), owner_id, Enrollment.partner_id)
    return [(name, n) for name, n in db.session.execute(query)]


def _sends(owner_id: int | None) -> Select:
    return _owned(select().select_from(OutboundEmail).where(OutboundEmail.sent_at.is_not(None)),
                  owner_id, OutboundEmail.partner_id)


def _replies(owner_id: int | None) -> Select:
    # Human replies only: auto-replies, bounces and RSVPs have their own kinds.
    return _owned(select().select_from(InboundMessage).where(InboundMessage.kind == "reply"),
                  owner_id, InboundMessage.partner_id)


def per_day(query: Select, at, week: Week) -> list[int]:
    """How many rows of `query` fall on each day of the week, in one statement."""
    edges = week.edges
    buckets = [func.coalesce(func.sum(case((and_(at >= edges[n], at < edges[n + 1]), 1),
                                           else_=0)), 0) for n in range(7)]
    row = db.session.execute(query.add_columns(*buckets)
                             .where(at >= edges[0], at < edges[7])).one()
    return [int(value) for value in row]
