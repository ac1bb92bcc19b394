"""Welcome sequences, enrollments, the outbox, suppressions and inbound mail."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Time, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.clients import Client
    from crm.models.partners import Partner

ENROLLMENT_STATUSES = ("active", "completed", "stopped")
STOP_REASONS = (
    "completed", "reply", "unsubscribe", "bounce", "churn", "manual", "suppressed", "no_address",
    "template_error",
)
OUTBOUND_STATUSES = ("queued", "sending", "sent", "failed", "bounced", "cancelled")
SUPPRESSION_REASONS = ("unsubscribed", "hard_bounce", "complaint", "manual")
INBOUND_KINDS = ("reply", "auto_reply", "bounce", "complaint", "rsvp", "unmatched")


class Sequence(Base):
    """A client's welcome sequence (client_id None: the default one)."""

    __tablename__ = "sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Business hours in the partner's own time zone; weekdays 0 = Monday.
    send_weekdays: Mapped[list[int]] = mapped_column(JSON, default=lambda: [0, 1, 2, 3, 4])
    send_from: Mapped[time] = mapped_column(Time, default=time(9, 0))
    send_until: Mapped[time] = mapped_column(Time, default=time(17, 0))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    client: Mapped[Client | None] = relationship()
    steps: Mapped[list[SequenceStep]] = relationship(
        back_populates="sequence", order_by="SequenceStep.position",
        cascade="all, delete-orphan",
    )


class SequenceStep(Base):
    __tablename__ = "sequence_steps"
    __table_args__ = (UniqueConstraint("sequence_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id", ondelete="CASCADE"))
    position: Mapped[int]
    # Days after enrollment (day 0, day 3, day 7), then moved into business hours.
    delay_days: Mapped[int] = mapped_column(default=0)
    subject: Mapped[str] = mapped_column(String(300))
    html_body: Mapped[str] = mapped_column(Text)
    # Empty: derived from the HTML when sending.
    text_body: Mapped[str] = mapped_column(Text, default="")

    sequence: Mapped[Sequence] = relationship(back_populates="steps")


class Enrollment(Base):
    """One partner going through one sequence."""

    __tablename__ = "enrollments"
    __table_args__ = (
        # One active enrollment per partner and sequence (partial unique index).
        Index(
            "uq_enrollments_active", "partner_id", "sequence_id", unique=True,
            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'"),
        ),
        # The scheduler's question: which active enrollments are due now?
        Index(
            "ix_enrollments_due", "next_due_at",
            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    sequence_id: Mapped[int] = mapped_column(ForeignKey("sequences.id"))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"))
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Position of the next step to send (1-based); past the last step when done.
    next_position: Mapped[int] = mapped_column(default=1)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stop_reason: Mapped[str] = mapped_column(String(16), default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    partner: Mapped[Partner] = relationship()
    sequence: Mapped[Sequence] = relationship()


class OutboundEmail(Base):
    """One email to send, stored before it is sent (the outbox)."""

    __tablename__ = "outbound_emails"
    __table_args__ = (
        # A second row for the same step of the same enrollment is impossible.
        UniqueConstraint("enrollment_id", "step_id"),
        # The same for campaigns: one row per campaign enrollment and step.
        UniqueConstraint("campaign_enrollment_id", "campaign_step_id"),
        # A campaign's figures per step and variant, read from the index alone.
        Index("ix_outbound_emails_campaign_stats", "campaign_step_id", "variant", "status"),
        Index("ix_outbound_emails_status_next", "status", "next_attempt_at"),
        Index("ix_outbound_emails_partner", "partner_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id"))
    step_id: Mapped[int | None] = mapped_column(ForeignKey("sequence_steps.id"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    campaign_enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_enrollments.id"))
    campaign_step_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaign_steps.id", ondelete="SET NULL"))
    # A campaign step's subject variant ("A" or "B"); "" for every other email.
    variant: Mapped[str] = mapped_column(String(1), default="", server_default="")
    # The user this email is sent as (From, and the way it leaves); None: the system sender.
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    from_address: Mapped[str] = mapped_column(String(254))
    from_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text, default="")
    # An iMIP invitation (text/calendar) sent inline beside the text and HTML, and its METHOD.
    calendar_body: Mapped[str] = mapped_column(Text, default="")
    calendar_method: Mapped[str] = mapped_column(String(16), default="")
    # Extra headers (List-Unsubscribe …); never user-typed text.
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Generated before the first attempt and kept on every retry, so a duplicate is visible.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partner: Mapped[Partner | None] = relationship()


class Suppression(Base):
    """An address that must not be emailed."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_key: Mapped[str] = mapped_column(String(254), unique=True)
    reason: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InboundMessage(Base):
    """A raw message that came back: reply, auto-reply, bounce or unmatched. Never dropped."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    from_address: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    outbound_email_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_emails.id"))
    partner_id: Mapped[int | None] = mapped_column(
        ForeignKey("partners.id", ondelete="SET NULL"), index=True
    )
    raw: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Lease(Base):
    """A named lease held by one process at a time (the scheduler tick), portable across DBs."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
