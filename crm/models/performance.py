"""Imported performance: one row of figures per membership and day."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Date, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.clients import Membership


class PerformanceDay(Base):
    """A day's clicks, conversions, revenue and commission; re-importing the day replaces it."""

    __tablename__ = "performance_days"
    __table_args__ = (
        # One row per membership and day (the upsert key) and one membership's days in order.
        UniqueConstraint("membership_id", "day"),
        # Set-based reads over a window of days across every membership (rules, reports).
        # Revenue too, so the follow-up rules' 30/60/90-day sums read the index alone (3M rows:
        # 1.6 s -> 0.4 s on PostgreSQL; SQLite without ANALYZE otherwise reads the table per row).
        Index("ix_performance_days_day_membership_revenue", "day", "membership_id",
              "revenue_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # active_history: moving a day loads its old key first, so the rollups of the old
    # (membership, day) are recomputed too (crm.performance.rollups, on flush).
    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), active_history=True)
    day: Mapped[date] = mapped_column(Date, active_history=True)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    conversions: Mapped[int] = mapped_column(BigInteger, default=0)
    # Whole cents in the client's currency (no floats and no Decimal on SQLite).
    revenue_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())

    membership: Mapped[Membership] = relationship()


class PerformanceClientDay(Base):
    """A program's figures summed over its memberships for one day (a rollup of the days).

    Kept by crm.performance.rollups in the transaction that writes performance_days, so the
    client report reads one row per day instead of every member's day.
    """

    __tablename__ = "performance_client_days"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    conversions: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_cents: Mapped[int] = mapped_column(BigInteger, default=0)


class PerformanceMembershipMonth(Base):
    """A membership's figures summed over a calendar month (month = its first day).

    A period's per-membership totals are its whole months from here plus its edge days from
    performance_days; kept by crm.performance.rollups like PerformanceClientDay.
    """

    __tablename__ = "performance_membership_months"
    __table_args__ = (
        # A month's rows across every membership (the top partners of a period).
        Index("ix_performance_membership_months_month_membership", "month", "membership_id"),
    )

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    conversions: Mapped[int] = mapped_column(BigInteger, default=0)
    revenue_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_cents: Mapped[int] = mapped_column(BigInteger, default=0)
