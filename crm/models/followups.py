"""Follow-ups: flags a rule raised on a partner, and the thresholds admins set for the rules."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.partners import Partner
    from crm.models.users import User

FOLLOWUP_STATUSES = ("open", "snoozed", "resolved")


class FollowUp(Base):
    """One open flag per partner and rule; it resolves itself when its condition clears."""

    __tablename__ = "followups"
    __table_args__ = (
        # One flag per partner and rule that is not resolved: repeated scans cannot double it.
        Index("uq_followups_unresolved", "partner_id", "rule", unique=True,
              sqlite_where=text("status != 'resolved'"),
              postgresql_where=text("status != 'resolved'")),
        # The queue: open flags by due date.
        Index("ix_followups_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(300))
    weight: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(16), default="open")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # "condition cleared", "interaction logged", or the manager's note.
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    partner: Mapped[Partner] = relationship()
    resolved_by: Mapped[User | None] = relationship()


class FollowUpRule(Base):
    """An admin's thresholds for one rule; a rule without a row uses its defaults."""

    __tablename__ = "followup_rules"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
