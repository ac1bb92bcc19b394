"""Weekly hours and dates off as a manager types them, and back. Pure.

A day's hours are written "09:00-12:00, 13:00-17:30" (an en dash or "to" works too; 24:00
ends a day); dates off one a line, "2026-04-03" or "2026-08-03 to 2026-08-14". Each
function raises ValueError with a sentence to show next to the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_INTERVALS_PER_DAY = 12
MAX_DATES_OFF_LINES = 100
MAX_DAYS_OFF = 731
_CLOCK = r"(\d{1,2})[:.h](\d{2})"
_RANGE = re.compile(rf"^{_CLOCK}\s*(?:-|–|—|to)\s*{_CLOCK}$", re.IGNORECASE)
_DATES = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*(?:to|–|—|\.\.)\s*(\d{4}-\d{2}-\d{2}))?$",
                    re.IGNORECASE)


def parse_hours(text: str) -> list[tuple[int, int]]:
    """"09:00-12:00, 13:00-17:30" → [(540, 720), (780, 1050)], sorted; ValueError if wrong."""
    parts = [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]
    if len(parts) > MAX_INTERVALS_PER_DAY:
        raise ValueError(f"at most {MAX_INTERVALS_PER_DAY} intervals a day")
    intervals = sorted(_interval(part) for part in parts)
    for (start, end), (next_start, next_end) in zip(intervals, intervals[1:], strict=False):
        if next_start < end:
            raise ValueError(f"{format_interval((start, end))} and "
                             f"{format_interval((next_start, next_end))} overlap")
    return intervals


def _interval(text: str) -> tuple[int, int]:
    match = _RANGE.match(text)
    if match is None:
        raise ValueError(f"“{text[:40]}” is not a time range like 09:00-12:30")
    start = _minute(int(match[1]), int(match[2]), text)
    end = _minute(int(match[3]), int(match[4]), text)
    if start == 24 * 60:
        raise ValueError(f"{text} starts at midnight at the end of the day")
    if end == start:
        raise ValueError(f"{text} is empty (it ends when it starts)")
    if end < start:
        raise ValueError(f"{text} ends before it starts")
    return start, end


def _minute(hour: int, minute: int, text: str) -> int:
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise ValueError(f"{text} has a time that does not exist")
    return hour * 60 + minute


def format_interval(interval: tuple[int, int]) -> str:
    start, end = interval
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


def format_hours(intervals: Iterable[Iterable[int]]) -> str:
    """The form's text for a day: "09:00-12:00, 13:00-17:30"."""
    return ", ".join(format_interval((start, end)) for start, end in intervals)


def parse_dates_off(text: str) -> list[tuple[date, date]]:
    """One date or range a line → [(first, last)], both ends included; ValueError if wrong."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if len(lines) > MAX_DATES_OFF_LINES:
        raise ValueError(f"at most {MAX_DATES_OFF_LINES} lines")
    ranges = []
    for number, line in enumerate(lines, start=1):
        match = _DATES.match(line)
        try:
            if match is None:
                raise ValueError
            first = date.fromisoformat(match[1])
            last = date.fromisoformat(match[2]) if match[2] else first
        except ValueError:
            raise ValueError(f"line {number}: “{line[:40]}” is not a date like 2026-04-03 "
                             "or a range like 2026-08-03 to 2026-08-14") from None
        if last < first:
            raise ValueError(f"line {number}: {line} ends before it starts")
        if (last - first).days >= MAX_DAYS_OFF:
            raise ValueError(f"line {number}: a range is at most {MAX_DAYS_OFF} days")
        ranges.append((first, last))
    return sorted(ranges)


def format_dates_off(ranges: Iterable[Iterable[str]]) -> str:
    """The form's text: one date or range a line."""
    return "\n".join(first if first == last else f"{first} to {last}" for first, last in ranges)


def days_off(ranges: Iterable[Iterable[str]], since: date, until: date) -> frozenset[date]:
    """The dates from `since` to `until` that the stored ranges cover."""
    days = set()
    for first, last in ranges:
        day = max(date.fromisoformat(first), since)
        end = min(date.fromisoformat(last), until)
        while day <= end:
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)
