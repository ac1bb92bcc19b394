"""Booking links: when a manager takes calls, and the busy times read from their calendar."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.users import User


class Availability(Base):
    """One manager's bookable hours and rules; its row is also that manager's booking lock."""

    __tablename__ = "availabilities"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    # {"0": [[540, 720], [780, 1020]], …}: weekday (0 = Monday) → [start, end) in minutes
    # after midnight on the manager's own clock (users.timezone); 1440 is midnight at the end.
    weekly_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    call_minutes: Mapped[int] = mapped_column(default=30)
    buffer_minutes: Mapped[int] = mapped_column(default=10)
    notice_hours: Mapped[int] = mapped_column(default=12)
    horizon_days: Mapped[int] = mapped_column(default=30)
    # 0: no limit.
    max_per_day: Mapped[int] = mapped_column(default=0)
    # [["2026-04-03", "2026-04-03"], ["2026-08-03", "2026-08-14"]]: days off, both ends included.
    dates_off: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Where booked calls happen (the invitation's link); may be empty.
    video_url: Mapped[str] = mapped_column(String(500), default="")
    # Part of the signed general link: raising it stops every general link made before.
    link_version: Mapped[int] = mapped_column(default=1)
    # Bumped by every booking change: that UPDATE, the first statement of the transaction,
    # is the per-manager lock (a row lock on PostgreSQL, the write lock on SQLite).
    lock_serial: Mapped[int] = mapped_column(default=0)
    # The manager's own calendar (an ICS subscription or a CalDAV collection), read for
    # busy times; the password is stored encrypted (crm.credentials).
    calendar_url: Mapped[str] = mapped_column(String(1000), default="")
    calendar_username: Mapped[str] = mapped_column(String(200), default="")
    calendar_password: Mapped[str] = mapped_column(String(1000), default="")
    calendar_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    calendar_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    calendar_error: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class BusyTime(Base):
    """A time the manager's own calendar says they are busy; replaced at every read."""

    __tablename__ = "busy_times"
    __table_args__ = (Index("ix_busy_times_user_start", "user_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
