"""When a partner may be emailed: inside their business hours, in their own time zone (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class BusinessHours:
    """A weekly window: these weekdays (Monday = 0), from start to end local time."""

    weekdays: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(17, 0)

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError("weekdays must be a non-empty subset of 0..6")
        if self.start >= self.end:
            raise ValueError("business hours must start before they end")


@lru_cache(maxsize=4096)
def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant a wall clock in `zone` shows `at` on `day`, or the first one after a gap.

    Cached: a tick asks it for the same few days, hours and zones thousands of times.
    """
    wall = datetime.combine(day, at, tzinfo=zone)
    instant = wall.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall.replace(tzinfo=None):
        # The wall time does not exist (a spring-forward gap): the first instant whose wall
        # clock reads `at` or later is the transition itself.
        return _transition(wall.replace(fold=1).astimezone(UTC), instant, zone)
    return instant


def _transition(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The first second in (before, after] whose UTC offset differs from before's."""
    offset = before.astimezone(zone).utcoffset()
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return after.replace(microsecond=0)


def next_send_time(due: datetime, zone: ZoneInfo, hours: BusinessHours) -> datetime:
    """The earliest instant at or after `due` that falls inside the window, in UTC."""
    if due.tzinfo is None:
        raise ValueError("due must be timezone-aware")
    local = due.astimezone(zone)
    day = local.date()
    for offset in range(8):
        candidate_day = day + timedelta(days=offset)
        if candidate_day.weekday() not in hours.weekdays:
            continue
        opens = _local(candidate_day, hours.start, zone)
        closes = _local(candidate_day, hours.end, zone)
        if due < closes:
            return max(due, opens).astimezone(UTC)
    raise AssertionError("a non-empty weekly window always opens within 8 days")
