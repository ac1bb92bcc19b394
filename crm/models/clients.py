"""Clients (merchant brands) and the partners in their programs."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.partners import Partner

GROWTH_LEVERS = (
    "commission_increase",
    "paid_placement",
    "promotion",
    "exclusive_code",
    "content_collaboration",
    "product_seeding",
)
MEMBERSHIP_STATUSES = ("pending", "approved", "declined", "paused", "ended")


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    website: Mapped[str] = mapped_column(String(255), default="")
    goals: Mapped[str] = mapped_column(Text, default="")
    brand_notes: Mapped[str] = mapped_column(Text, default="")
    growth_levers: Mapped[list[str]] = mapped_column(JSON, default=list)
    # ISO 4217 code for the program's money: performance, fees (stored as whole cents).
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    memberships: Mapped[list[Membership]] = relationship(back_populates="client")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("partner_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    commission_terms: Mapped[str] = mapped_column(String(255), default="")
    started_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship(back_populates="memberships")
    partner: Mapped[Partner] = relationship(back_populates="memberships")
