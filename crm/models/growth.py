"""Growth levers pulled in a client's program: commission changes, placements, promotions."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.clients import Membership
    from crm.models.users import User

PLACEMENT_KINDS = (
    "newsletter",
    "homepage_feature",
    "dedicated_review",
    "listicle",
    "social_post",
    "video",
    "banner",
    "other",
)


class CommissionChange(Base):
    """One change of a membership's commission terms; the newest is the terms in force."""

    __tablename__ = "commission_changes"
    __table_args__ = (Index("ix_commission_changes_membership_effective",
                            "membership_id", "effective_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    old_terms: Mapped[str] = mapped_column(String(255), default="")
    new_terms: Mapped[str] = mapped_column(String(255))
    effective_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    membership: Mapped[Membership] = relationship()
    created_by: Mapped[User | None] = relationship()


class Placement(Base):
    """A paid placement: the partner features the client for a fee over some dates."""

    __tablename__ = "placements"
    __table_args__ = (
        Index("ix_placements_membership_starts", "membership_id", "starts_on"),
        # The "placement ending soon" rule and reports look placements up by their end date.
        Index("ix_placements_ends_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Whole cents in the client's currency; None when the fee is not agreed yet.
    fee_cents: Mapped[int | None] = mapped_column(BigInteger)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    membership: Mapped[Membership] = relationship()
    created_by: Mapped[User | None] = relationship()


class Promotion(Base):
    """A promotion the partner runs: a code, its dates and its terms."""

    __tablename__ = "promotions"
    __table_args__ = (Index("ix_promotions_membership_starts", "membership_id", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64), default="")
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    membership: Mapped[Membership] = relationship()
    created_by: Mapped[User | None] = relationship()
