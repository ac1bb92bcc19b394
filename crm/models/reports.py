"""Report links shared with a client: a secret URL showing one client's report, read-only."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

if TYPE_CHECKING:
    from crm.models.clients import Client
    from crm.models.users import User


class ReportShare(Base):
    """One shared link: the client, the fixed dates it shows, until when, and who made it."""

    __tablename__ = "report_shares"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    # Keyed digest of the secret in the URL; the secret itself is shown once, when made.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The period is fixed when shared, so the client sees what the manager looked at.
    period_kind: Mapped[str] = mapped_column(String(16), default="custom")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()
    created_by: Mapped[User | None] = relationship()
