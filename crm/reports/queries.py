"""The report's figures as set-based SQL: one grouped query per table, never a loop per partner.

Every function takes a client id and a Period (whole UTC days, [starts_at, ends_before)) and
returns plain rows. Each docstring is the figure's definition; tests recompute them from rows.
A partner belongs to a client's report through their membership in that client's program, so
a partner in two programs counts in both reports.
"""

from __future__ import annotations

from collections.abc import Sequence as Seq
from datetime import date

from sqlalchemy import Row, func, or_, select

from crm.extensions import db
from crm.models import (
    CommissionChange,
    Enrollment,
    Interaction,
    Meeting,
    Membership,
    OutboundEmail,
    Partner,
    PerformanceDay,
    Placement,
    Promotion,
    User,
)
from crm.reports.periods import Period

TOP_PARTNERS = 10


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
    return db.session.execute(
        select(User.name, Interaction.kind, func.count())
        .select_from(Interaction)
        .join(Membership, Membership.partner_id == Interaction.partner_id)
        .join(User, User.id == Interaction.author_id)
        .where(Membership.client_id == client_id, Interaction.kind != "system",
               Interaction.occurred_at >= period.starts_at,
               Interaction.occurred_at < period.ends_before)
        .group_by(User.id, User.name, Interaction.kind)
        .order_by(User.name, User.id)
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


def _sums():
    return (func.sum(PerformanceDay.clicks), func.sum(PerformanceDay.conversions),
            func.sum(PerformanceDay.revenue_cents), func.sum(PerformanceDay.commission_cents))


def _in_program(client_id: int, start: date, end: date):
    return (PerformanceDay.membership_id.in_(_member_ids(client_id)),
            PerformanceDay.day >= start, PerformanceDay.day <= end)


def performance_by_day(client_id: int, period: Period) -> Seq[Row]:
    """(day, clicks, conversions, revenue_cents, commission_cents): the program's imported
    performance summed per day of the period (days with no rows are absent)."""
    return db.session.execute(
        select(PerformanceDay.day, *_sums())
        .where(*_in_program(client_id, period.start, period.end))
        .group_by(PerformanceDay.day).order_by(PerformanceDay.day)
    ).all()


def top_partners(client_id: int, period: Period, limit: int = TOP_PARTNERS) -> Seq[Row]:
    """(membership id, partner, clicks, conversions, revenue_cents, commission_cents): the
    memberships with the most revenue in the period, ties by membership id."""
    totals = (
        select(PerformanceDay.membership_id.label("membership_id"),
               *(total.label(name) for total, name in zip(
                   _sums(), ("clicks", "conversions", "revenue", "commission"), strict=True)))
        .where(*_in_program(client_id, period.start, period.end))
        .group_by(PerformanceDay.membership_id)
        .order_by(func.sum(PerformanceDay.revenue_cents).desc(), PerformanceDay.membership_id)
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
