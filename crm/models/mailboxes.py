"""A manager's own mailbox (IMAP in, SMTP out), its sync progress, BCC address and snippets."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import Base, UTCDateTime

MAILBOX_SECURITIES = ("tls", "starttls", "none")
# ok: the last sync worked; error: it failed and is retried; auth_failed: the server refused
# the password, so nothing is retried until the user saves the credentials again.
MAILBOX_STATUSES = ("ok", "error", "auth_failed")
FOLDER_ROLES = ("inbox", "sent")


class Mailbox(Base):
    """The IMAP and SMTP accounts a user connected; the passwords only ever encrypted."""

    __tablename__ = "mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # The address the user writes from: From of what they send, and how their side is told.
    email_address: Mapped[str] = mapped_column(String(254))
    imap_host: Mapped[str] = mapped_column(String(255))
    imap_port: Mapped[int]
    imap_security: Mapped[str] = mapped_column(String(16))
    imap_username: Mapped[str] = mapped_column(String(254))
    smtp_host: Mapped[str] = mapped_column(String(255))
    smtp_port: Mapped[int]
    smtp_security: Mapped[str] = mapped_column(String(16))
    smtp_username: Mapped[str] = mapped_column(String(254))
    # A Fernet token of both passwords (outreach.mailbox.credentials); never shown or logged.
    sealed_secrets: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="ok")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Changes whenever the settings or passwords do: cached SMTP connections are renewed.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The first sync reads mail from here on (90 days before connecting).
    sync_since: Mapped[datetime] = mapped_column(UTCDateTime())
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Set when a sync was asked for while another held the mailbox; that one runs again.
    wake_pending: Mapped[bool] = mapped_column(default=False)
    logged_count: Mapped[int] = mapped_column(default=0)
    skipped_count: Mapped[int] = mapped_column(default=0)
    last_skipped: Mapped[str] = mapped_column(String(300), default="")
    # When an IDLE connection last reported in (None: no live updates, polling only).
    idle_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    folders: Mapped[list[MailboxFolder]] = relationship(
        back_populates="mailbox", cascade="all, delete-orphan", order_by="MailboxFolder.role")


class MailboxFolder(Base):
    """How far the sync got in one folder: its UIDVALIDITY and the last UID read."""

    __tablename__ = "mailbox_folders"
    __table_args__ = (UniqueConstraint("mailbox_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    # IMAP UIDs and UIDVALIDITY are unsigned 32-bit numbers.
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    mailbox: Mapped[Mailbox] = relationship(back_populates="folders")


class BccAddress(Base):
    """The secret part of a user's BCC address (<local>+<token>@<inbound domain>)."""

    __tablename__ = "bcc_addresses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Snippet(Base):
    """A piece of text a user inserts while writing an email; shared ones are everyone's."""

    __tablename__ = "snippets"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    shared: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
