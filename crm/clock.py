"""The one place the application asks what time it is, so tests can set it."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stays where it is set; for tests."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at


def now() -> datetime:
    """The current time in UTC from the app's clock."""
    return current_app.extensions["rapport.clock"].now()
