"""Recruitment campaigns: multi-step outreach to prospects, sent as their manager.

The welcome engine's analogue (Sequence / SequenceStep / Enrollment), owned by a client program
and a manager. Emails are outbox rows (OutboundEmail.campaign_enrollment_id, campaign_step_id,
variant), so every figure on the campaign page is SQL over the outbox and the enrollments.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.clients import Client
    from crm.models.partners import Partner
    from crm.models.users import User

CAMPAIGN_STATUSES = ("draft", "active", "paused", "archived")
# paused: the campaign is paused; the partner keeps their place (and their one slot per client).
CAMPAIGN_ENROLLMENT_STATUSES = ("active", "paused", "completed", "stopped")
CAMPAIGN_STOP_REASONS = (
    "completed", "reply", "unsubscribe", "bounce", "manual", "stage", "archived", "suppressed",
    "no_address", "template_error",
)
VARIANTS = ("A", "B")
# Enrollments that hold the partner's one place per client program.
RUNNING_STATUSES = ("active", "paused")
# Stages a campaign writes to; past them a prospect is no longer recruited.
RECRUITING_STAGES = ("prospect", "contacted")


class Campaign(Base):
    """A client program's recruitment campaign, run by its owner (a manager)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # The sending window, in each prospect's own time zone; weekdays 0 = Monday.
    send_weekdays: Mapped[list[int]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4])
    send_from: Mapped[time] = mapped_column(Time, default=time(9, 0))
    send_until: Mapped[time] = mapped_column(Time, default=time(17, 0))
    # The partner-list filter last used to enrol (stage, tag, source, source_list …).
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()
    owner: Mapped[User] = relationship()
    steps: Mapped[list[CampaignStep]] = relationship(
        back_populates="campaign", order_by="CampaignStep.position",
        cascade="all, delete-orphan",
    )


class CampaignStep(Base):
    __tablename__ = "campaign_steps"
    __table_args__ = (UniqueConstraint("campaign_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    position: Mapped[int]
    # Days after enrolment (day 0, day 3, day 7), then moved into the sending window.
    delay_days: Mapped[int] = mapped_column(default=0)
    subject: Mapped[str] = mapped_column(String(300))
    # Optional variant B of the subject: half the enrollments (by id) get it.
    subject_b: Mapped[str] = mapped_column(String(300), default="")
    html_body: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text, default="")

    campaign: Mapped[Campaign] = relationship(back_populates="steps")


class CampaignEnrollment(Base):
    """One prospect going through one campaign."""

    __tablename__ = "campaign_enrollments"
    __table_args__ = (
        # One running campaign enrollment per partner and client program.
        Index(
            "uq_campaign_enrollments_running", "partner_id", "client_id", unique=True,
            sqlite_where=text("status IN ('active', 'paused')"),  # RUNNING_STATUSES
            postgresql_where=text("status IN ('active', 'paused')"),
        ),
        # The scheduler's question, as for the welcome engine: what is due now?
        Index(
            "ix_campaign_enrollments_due", "next_due_at",
            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'"),
        ),
        # The campaign page's figures, read from the index alone.
        Index("ix_campaign_enrollments_stats", "campaign_id", "last_step_id", "last_variant",
              "stop_reason", "status", "converted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    next_position: Mapped[int] = mapped_column(default=1)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The last step queued and its subject variant: replies, unsubscribes and conversions
    # count against it on the campaign page.
    last_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_steps.id", ondelete="SET NULL"))
    last_variant: Mapped[str] = mapped_column(String(1), default="")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stop_reason: Mapped[str] = mapped_column(String(16), default="")
    # Set when the partner reached onboarding or active within 30 days of enrolment.
    converted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
    partner: Mapped[Partner] = relationship()


class SenderDay(Base):
    """How many campaign emails one sender has queued on one day (their own calendar day).

    The daily cap is enforced on this row with a conditional UPDATE, so it holds across
    scheduler processes and the tick's helper processes.
    """

    __tablename__ = "sender_days"

    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(default=0)
