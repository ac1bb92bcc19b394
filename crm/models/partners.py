"""Partners (affiliates), their tags, and the timeline of interactions with them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.clients import Membership
    from crm.models.users import User

STAGES = ("prospect", "contacted", "onboarding", "active", "paused", "churned")
SOURCES = (
    "search",
    "facebook",
    "linkedin",
    "instagram",
    "youtube",
    "conference",
    "referral",
    "network",
    "inbound",
    "other",
)
INTERACTION_KINDS = ("note", "call", "email", "meeting", "conference", "system")
LOGGABLE_KINDS = ("note", "call", "email", "meeting", "conference")
DIRECTIONS = ("inbound", "outbound", "internal")


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (
        # The list page's default order (most recently touched first) and its sorts.
        Index("ix_partners_last_touch", "last_interaction_at", "id"),
        Index("ix_partners_name_id", "name", "id"),
        Index("ix_partners_created_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    # Lowercased email: the case-insensitive identity used for dedupe and lookups.
    email_key: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str] = mapped_column(String(64), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    # Registrable domain of the website (or platform/handle for shared hosts): the dedupe key.
    website_domain: Mapped[str | None] = mapped_column(String(255), index=True)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    country: Mapped[str] = mapped_column(String(2), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    source: Mapped[str] = mapped_column(String(32), default="other", index=True)
    source_list: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(16), default="prospect", index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    about: Mapped[str] = mapped_column(Text, default="")
    # Lowercased name, email, company and website, searched with LIKE (trigram-indexed on PG).
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_interaction_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the partner entered their current stage (None: at creation, before this was kept).
    stage_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[User | None] = relationship()
    tags: Mapped[list[PartnerTag]] = relationship(
        back_populates="partner", cascade="all, delete-orphan", order_by="PartnerTag.name"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="partner", cascade="all, delete-orphan"
    )

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]


class PartnerTag(Base):
    __tablename__ = "partner_tags"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)

    partner: Mapped[Partner] = relationship(back_populates="tags")


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        # The timeline: one partner's entries, newest first.
        Index("ix_interactions_timeline", "partner_id", "occurred_at", "id"),
        # A program's manager activity over a period, read from the index alone (client reports;
        # SQLite 612 ms -> 56 ms for 20,000 partners and a year).
        Index("ix_interactions_partner_occurred_kind_author",
              "partner_id", "occurred_at", "kind", "author_id"),
        # One entry per email (Message-ID) on a partner's timeline, whichever way it came in.
        Index("uq_interactions_partner_message", "partner_id", "message_id", unique=True,
              sqlite_where=text("message_id IS NOT NULL"),
              postgresql_where=text("message_id IS NOT NULL")),
        # The emails of one thread on a partner's timeline.
        Index("ix_interactions_thread", "partner_id", "thread_key",
              sqlite_where=text("thread_key IS NOT NULL"),
              postgresql_where=text("thread_key IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(16), default="internal")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    # None for system events written by Rapport itself.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # An email's own Message-ID, the ids it refers to (oldest first, space-separated) and its
    # thread (the oldest id it refers to, else its own); None for everything but emails.
    message_id: Mapped[str | None] = mapped_column(String(255))
    email_references: Mapped[str | None] = mapped_column(Text)
    thread_key: Mapped[str | None] = mapped_column(String(255))

    author: Mapped[User | None] = relationship()
