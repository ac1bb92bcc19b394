"""Report periods: named ranges of whole days (this month, last quarter …) and custom ones.

Pure: every function takes the day it counts from, so tests pin the output exactly. Days are
UTC days, the same days performance imports use; a period is inclusive of both ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from crm.errors import InvalidInput

PERIOD_KINDS = ("this_month", "last_month", "this_quarter", "last_quarter", "last_12_months",
                "custom")
PERIOD_LABELS = {"this_month": "This month", "last_month": "Last month",
                 "this_quarter": "This quarter", "last_quarter": "Last quarter",
                 "last_12_months": "Last 12 months", "custom": "Custom dates"}
DEFAULT_KIND = "last_month"
MAX_DAYS = 731  # two years: longer ranges are not a report anyone reads


@dataclass(frozen=True)
class Period:
    """Whole UTC days from `start` to `end`, both included."""

    kind: str
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def starts_at(self) -> datetime:
        """The first instant of the period (UTC)."""
        return datetime.combine(self.start, time(), UTC)

    @property
    def ends_before(self) -> datetime:
        """The first instant after the period (UTC): ranges are [starts_at, ends_before)."""
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def label(self) -> str:
        return f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period("previous", end - timedelta(days=self.days - 1), end)


def named(kind: str, today: date) -> Period:
    """The named period around `today` (this_month … last_12_months)."""
    if kind == "this_month":
        return Period(kind, today.replace(day=1), today)
    if kind == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return Period(kind, end.replace(day=1), end)
    if kind == "this_quarter":
        return Period(kind, _quarter_start(today), today)
    if kind == "last_quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return Period(kind, _quarter_start(end), end)
    if kind == "last_12_months":
        return Period(kind, _add_months(today, -12) + timedelta(days=1), today)
    raise InvalidInput("Choose a period.", {"period": f"must be one of {', '.join(PERIOD_KINDS)}"})


def custom(start: date, end: date) -> Period:
    """A custom range; refuses reversed or over-long ranges."""
    if end < start:
        raise InvalidInput("The period ends before it starts.", {"end": "must not be before start"})
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidInput(f"A report covers at most {MAX_DAYS} days.",
                           {"end": f"must be within {MAX_DAYS} days of start"})
    return Period("custom", start, end)


def parse(kind: str | None, start: str | None, end: str | None, today: date) -> Period:
    """The period a request asks for: a named kind, or custom with ISO start and end dates.

    Dates edited on the form beside a named kind win: the page fills the date fields with the
    named period's own dates, so different ones mean the person typed a custom range.
    """
    kind = kind or DEFAULT_KIND
    if kind != "custom":
        period = named(kind, today)
        if (start or period.start.isoformat(), end or period.end.isoformat()) == (
                period.start.isoformat(), period.end.isoformat()):
            return period
    errors = {}
    dates = {}
    for name, text in (("start", start), ("end", end)):
        try:
            dates[name] = date.fromisoformat((text or "").strip())
        except ValueError:
            errors[name] = "must be a date (YYYY-MM-DD)"
    if errors:
        raise InvalidInput("Custom periods need a start and an end date.", errors)
    return custom(dates["start"], dates["end"])


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first_of_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return date(year, month + 1, min(day.day, (first_of_next - timedelta(days=1)).day))
