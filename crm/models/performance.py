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
        Index("ix_performance_days_day_membership", "day", "membership_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    clicks: Mapped[int] = mapped_column(BigInteger, default=0)
    conversions: Mapped[int] = mapped_column(BigInteger, default=0)
    # Whole cents in the client's currency (no floats and no Decimal on SQLite).
    revenue_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    commission_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())

    membership: Mapped[Membership] = relationship()
