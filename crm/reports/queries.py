"""The report's figures as set-based SQL: one grouped query per table, never a loop per partner.

Every function takes a client id and a Period (whole UTC days, [starts_at, ends_before)) and
returns plain rows. Each docstring is the figure's definition; tests recompute them from rows.
A partner belongs to a client's report through their membership in that client's program, so
a partner in two programs counts in both reports. Performance is read from the rollups kept
by crm.performance.rollups (a program's days; a membership's months plus the period's edge
days from performance_days), which always equal the sums of performance_days.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from datetime import date, timedelta

from sqlalchemy import Row, func, or_, select, text, union_all

from crm.extensions import db
from crm.models import (
    CommissionChange,
    Enrollment,
    Interaction,
    Meeting,
    Membership,
    OutboundEmail,
    Partner,
    PerformanceClientDay,
    PerformanceDay,
    PerformanceMembershipMonth,
    Placement,
    Promotion,
    User,
)
from crm.reports.periods import Period

TOP_PARTNERS = 10
FIGURES = ("clicks", "conversions", "revenue_cents", "commission_cents")


def _member_ids(client_id: int):
    """The client's memberships, as a subquery of ids."""
    return select(Membership.id).where(Membership.client_id == client_id).scalar_subquery()


def recruitment(client_id: int, period: Period) -> Seq[Row]:
    """(source, stage, count): memberships created in the period, by the partner's source and
    current stage."""
    return db.session.execute(
        select(Partner.source, Partner.stage, func.count())
        .select_from(Membership).join(Partner, Partner.id == Membership.partner_id)
        .where(Membership.client_id == client_id,
               Membership.created_at >= period.starts_at,
               Membership.created_at < period.ends_before)
        .group_by(Partner.source, Partner.stage)
    ).all()


def activated(client_id: int, period: Period) -> int:
    """Partners activated: memberships whose start date (started_on) falls in the period."""
    return db.session.scalar(
        select(func.count()).select_from(Membership)
        .where(Membership.client_id == client_id,
               Membership.started_on >= period.start, Membership.started_on <= period.end)
    ) or 0


def interactions(client_id: int, period: Period) -> Seq[Row]:
    """(manager name, kind, count): interactions logged by a manager (author set, kind not
    `system`) on the program's partners, occurring in the period."""
    # Counted per author before the users are joined, and the program's partners as an IN
    # list: SQLite then walks the timeline index per partner once, without a users look-up
    # per interaction (20,000 partners, 90,000 interactions in the year: about a quarter
    # faster on SQLite than joining memberships and users to every interaction).
    members = select(Membership.partner_id).where(Membership.client_id == client_id)
    counts = (
        select(Interaction.author_id, Interaction.kind, func.count().label("n"))
        .where(Interaction.partner_id.in_(members), Interaction.author_id.is_not(None),
               Interaction.kind != "system", Interaction.occurred_at >= period.starts_at,
               Interaction.occurred_at < period.ends_before)
        .group_by(Interaction.author_id, Interaction.kind).subquery()
    )
    return db.session.execute(
        select(User.name, counts.c.kind, counts.c.n)
        .join(counts, counts.c.author_id == User.id)
        .order_by(User.name, User.id, counts.c.kind)
    ).all()


def _cohort(client_id: int, period: Period):
    return (Enrollment.client_id == client_id, Enrollment.started_at >= period.starts_at,
            Enrollment.started_at < period.ends_before)


def welcome(client_id: int, period: Period) -> Row:
    """(enrolled, replied, bounced, unsubscribed): welcome enrollments for the client started
    in the period (the cohort), and how many of them stopped for each reason so far."""
    return db.session.execute(
        select(func.count(),
               func.count().filter(Enrollment.stop_reason == "reply"),
               func.count().filter(Enrollment.stop_reason == "bounce"),
               func.count().filter(Enrollment.stop_reason == "unsubscribe"))
        .where(*_cohort(client_id, period))
    ).one()


def welcome_emails_sent(client_id: int, period: Period) -> int:
    """Welcome emails sent so far (sent_at set, whatever happened after) to the cohort."""
    return db.session.scalar(
        select(func.count()).select_from(OutboundEmail)
        .join(Enrollment, Enrollment.id == OutboundEmail.enrollment_id)
        .where(*_cohort(client_id, period), OutboundEmail.sent_at.is_not(None))
    ) or 0


def calls(client_id: int, period: Period) -> dict[str, int]:
    """status → count: onboarding calls for the client (Meeting.client_id) starting in the
    period, by status (scheduled = not held, missed or cancelled yet)."""
    rows = db.session.execute(
        select(Meeting.status, func.count())
        .where(Meeting.client_id == client_id, Meeting.starts_at >= period.starts_at,
               Meeting.starts_at < period.ends_before)
        .group_by(Meeting.status))
    return {status: count for status, count in rows}


def commission_changes(client_id: int, period: Period) -> Seq[Row]:
    """(effective_on, partner, old terms, new terms): changes taking effect in the period."""
    return db.session.execute(
        select(CommissionChange.effective_on, Partner.name, CommissionChange.old_terms,
               CommissionChange.new_terms)
        .join(Membership, Membership.id == CommissionChange.membership_id)
        .join(Partner, Partner.id == Membership.partner_id)
        .where(Membership.client_id == client_id, CommissionChange.effective_on >= period.start,
               CommissionChange.effective_on <= period.end)
        .order_by(CommissionChange.effective_on, CommissionChange.id)
    ).all()


def placements(client_id: int, period: Period) -> Seq[Row]:
    """(starts_on, ends_on, partner, kind, fee_cents): placements running on any day of the
    period (starting on or before its end and ending on or after its start)."""
    return db.session.execute(
        select(Placement.starts_on, Placement.ends_on, Partner.name, Placement.kind,
               Placement.fee_cents)
        .join(Membership, Membership.id == Placement.membership_id)
        .join(Partner, Partner.id == Membership.partner_id)
        .where(Membership.client_id == client_id, Placement.starts_on <= period.end,
               Placement.ends_on >= period.start)
        .order_by(Placement.starts_on, Placement.id)
    ).all()


def promotions(client_id: int, period: Period) -> Seq[Row]:
    """(starts_on, ends_on, partner, code): promotions running on any day of the period (an
    open-ended promotion runs from its start on)."""
    return db.session.execute(
        select(Promotion.starts_on, Promotion.ends_on, Partner.name, Promotion.code)
        .join(Membership, Membership.id == Promotion.membership_id)
        .join(Partner, Partner.id == Membership.partner_id)
        .where(Membership.client_id == client_id, Promotion.starts_on <= period.end,
               or_(Promotion.ends_on.is_(None), Promotion.ends_on >= period.start))
        .order_by(Promotion.starts_on, Promotion.id)
    ).all()


def _sums(table):
    return (func.sum(table.clicks), func.sum(table.conversions),
            func.sum(table.revenue_cents), func.sum(table.commission_cents))


def performance_by_day(client_id: int, period: Period) -> Seq[Row]:
    """(day, clicks, conversions, revenue_cents, commission_cents): the program's imported
    performance summed per day of the period (days with no rows are absent)."""
    days = PerformanceClientDay
    return db.session.execute(
        select(days.day, days.clicks, days.conversions, days.revenue_cents,
               days.commission_cents)
        .where(days.client_id == client_id, days.day >= period.start, days.day <= period.end)
        .order_by(days.day)
    ).all()


def period_parts(start: date, end: date) -> tuple[list[tuple[date, date]], list[tuple]]:
    """How to sum start..end from the rollups: ([first, after) ranges of whole months from the
    monthly rollup, (first, last, sign) ranges of days from performance_days, added or taken).

    A month the period covers in part is read as its days, or, when the period has most of it,
    as the whole month less the days outside the period (fewer rows: the last 12 months from
    the 11th read 10 days of the first month, not 21).
    """
    months: list[tuple[date, date]] = []
    days: list[tuple] = []
    month = start.replace(day=1)
    while month <= end:
        after = _next_month(month)
        first, last = max(start, month), min(end, after - timedelta(days=1))
        outside = (after - month).days - ((last - first).days + 1)
        if outside == 0 or outside < (last - first).days + 1:
            months.append((month, after))
            days += [(a, b, -1) for a, b in ((month, first - timedelta(days=1)),
                                             (last + timedelta(days=1), after - timedelta(days=1)))
                     if a <= b]
        else:
            days.append((first, last, 1))
        month = after
    return _joined(months), days


def _joined(ranges: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """Adjacent [first, after) ranges merged into one (they come in order)."""
    joined: list[tuple[date, date]] = []
    for first, after in ranges:
        if joined and joined[-1][1] == first:
            joined[-1] = (joined[-1][0], after)
        else:
            joined.append((first, after))
    return joined


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _signed(table, sign: int) -> list:
    figures = [getattr(table, name) for name in FIGURES]
    return [table.membership_id.label("membership_id"),
            *((figure if sign > 0 else -figure).label(figure.key) for figure in figures)]


def _membership_figures(client_id: int, period: Period):
    """Rows of (membership, figures) from months and days that sum to the period's figures."""
    members = _member_ids(client_id)
    month_ranges, day_ranges = period_parts(period.start, period.end)
    months, days = PerformanceMembershipMonth, PerformanceDay
    parts = [select(*_signed(months, 1))
             .where(months.membership_id.in_(members), months.month >= first,
                    months.month < after) for first, after in month_ranges]
    parts += [select(*_signed(days, sign))
              .where(days.membership_id.in_(members), days.day >= first, days.day <= last)
              for first, last, sign in day_ranges]
    return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


def _without_jit() -> None:
    # PostgreSQL's JIT spends ~100 ms compiling this ~150 ms aggregate (its cost passes
    # jit_above_cost); SET LOCAL lasts until the request's transaction ends.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL jit = off"))


def top_partners(client_id: int, period: Period, limit: int = TOP_PARTNERS) -> Seq[Row]:
    """(membership id, partner, clicks, conversions, revenue_cents, commission_cents): the
    memberships with the most revenue in the period, ties by membership id."""
    _without_jit()
    figures = _membership_figures(client_id, period)
    totals = (
        select(figures.c.membership_id.label("membership_id"),
               *(total.label(name) for total, name in zip(
                   _sums(figures.c), ("clicks", "conversions", "revenue", "commission"),
                   strict=True)))
        .group_by(figures.c.membership_id)
        .order_by(func.sum(figures.c.revenue_cents).desc(), figures.c.membership_id)
        .limit(limit).subquery()
    )
    return db.session.execute(
        select(totals.c.membership_id, Partner.name, totals.c.clicks, totals.c.conversions,
               totals.c.revenue, totals.c.commission)
        .join(Membership, Membership.id == totals.c.membership_id)
        .join(Partner, Partner.id == Membership.partner_id)
        .order_by(totals.c.revenue.desc(), totals.c.membership_id)
    ).all()


def revenue_of(membership_ids: list[int], period: Period) -> dict[int, int]:
    """membership id → revenue_cents in the period, for a few memberships."""
    if not membership_ids:
        return {}
    rows = db.session.execute(
        select(PerformanceDay.membership_id, func.sum(PerformanceDay.revenue_cents))
        .where(PerformanceDay.membership_id.in_(membership_ids),
               PerformanceDay.day >= period.start, PerformanceDay.day <= period.end)
        .group_by(PerformanceDay.membership_id))
    return {membership_id: int(total or 0) for membership_id, total in rows}
