"""What is due, when, in whose business hours (pure functions)."""

from __future__ import annotations

from collections.abc import Sequence as Seq
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from outreach.business_hours import BusinessHours, next_send_time


def hours_of(weekdays: Seq[int], start: time, end: time) -> BusinessHours:
    return BusinessHours(frozenset(weekdays), start, end)


def zone_of(name: str | None) -> ZoneInfo:
    """The partner's zone; an unknown or empty one falls back to UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def step_due_at(
    started_at: datetime, delay_days: int, zone: ZoneInfo, hours: BusinessHours,
    not_before: datetime,
) -> datetime:
    """When a step goes out: `delay_days` after the start, never before `not_before`,
    inside the partner's business hours."""
    due = max(started_at + timedelta(days=delay_days), not_before)
    return next_send_time(due, zone, hours)
