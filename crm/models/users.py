"""People who log in, and the API tokens they hold."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from crm.models.base import Base, UTCDateTime

ROLES = ("admin", "manager")
# A read token may only GET (and HEAD/OPTIONS); crm.auth.guard enforces it for every route.
TOKEN_SCOPES = ("read", "read-write")


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lowercased: addresses are compared case-insensitively.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default="manager")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # Added under the emails a manager writes by hand (plain text).
    signature: Mapped[str] = mapped_column(Text, default="")
    # The address emails sent as this user come from; None: RAPPORT_MAIL_FROM's (see
    # outreach.senders).
    sending_address: Mapped[str | None] = mapped_column(String(254))
    # Campaign emails a day at most, and the warm-up ramp towards it (see outreach.send_caps).
    daily_send_cap: Mapped[int] = mapped_column(default=200, server_default="200")
    warmup_start: Mapped[int] = mapped_column(default=20, server_default="20")
    warmup_increment: Mapped[int] = mapped_column(default=10, server_default="10")
    is_active_user: Mapped[bool] = mapped_column(default=True)
    # Digest of the secret in the manager's calendar subscription URL; None: no feed.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of every session and remember-me cookie (get_id). Raised when the password
    # changes or the user is deactivated, so cookies made before stop working at once.
    session_generation: Mapped[int] = mapped_column(default=0)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_user

    def get_id(self) -> str:  # Flask-Login's "alternative id": the loader checks both parts
        return f"{self.id}:{self.session_generation}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # Only a digest is kept; the token itself is shown once, when created.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    scope: Mapped[str] = mapped_column(String(16), default="read-write")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Noted at most once a minute (crm.auth.service.note_use), not on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
