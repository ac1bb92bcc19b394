"""Onboarding calls: a time, a place, and the iCalendar identity their invitations share."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.clients import Client
    from crm.models.partners import Partner
    from crm.models.users import User

MEETING_STATUSES = ("scheduled", "cancelled", "held", "no_show")
BOOKED_VIA = ("partner_link", "general_link")
# The partner's answer, as iCalendar PARTSTAT values.
PARTSTATS = ("NEEDS-ACTION", "ACCEPTED", "TENTATIVE", "DECLINED")


class Meeting(Base):
    """An onboarding call with a partner; `uid` and `sequence` identify it to calendars."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_partner_start", "partner_id", "starts_at"),
        Index("ix_meetings_manager_start", "manager_id", "starts_at"),
        # The reminder scan: scheduled calls starting soon.
        Index("ix_meetings_status_start", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    uid: Mapped[str] = mapped_column(String(255), unique=True)
    # Raised by every change sent to the partner (RFC 5546): calendars keep the highest.
    sequence: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    partstat: Mapped[str] = mapped_column(String(16), default="NEEDS-ACTION")
    partstat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(default=30)
    # The manager's zone when it was scheduled: how the time was picked.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    location: Mapped[str] = mapped_column(String(300), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    outcome_notes: Mapped[str] = mapped_column(Text, default="")
    # The start time a reminder went out for: a moved call gets a new one, a cancelled none.
    reminded_for: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "" when a manager scheduled it; "partner_link" or "general_link" when the partner
    # booked it themselves on a booking page (crm.booking).
    booked_via: Mapped[str] = mapped_column(String(16), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    partner: Mapped[Partner] = relationship()
    manager: Mapped[User] = relationship(foreign_keys=[manager_id])
    client: Mapped[Client | None] = relationship()

    @property
    def booked_by_partner(self) -> bool:
        return bool(self.booked_via)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_minutes)
