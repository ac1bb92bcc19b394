"""What administrators look back on (the audit log) and the installation's own settings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.users import User


class AuditEvent(Base):
    """One administrative change: who did what to what, when, from which address."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_occurred_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # None: done by Rapport itself or from the command line.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A dotted verb such as "user.invited" or "token.revoked" (crm.audit.ACTIONS).
    action: Mapped[str] = mapped_column(String(64), index=True)
    # What it was done to, in words ("mia@agency.example.com", "Follow-up rules").
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    # The client address of the request; "" outside a request (CLI, workers).
    ip_address: Mapped[str] = mapped_column(String(45), default="")

    actor: Mapped[User | None] = relationship()


class AppSetting(Base):
    """One installation-wide setting an admin changes in the app (not the environment)."""

    __tablename__ = "app_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
