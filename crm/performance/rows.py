"""One row of figures checked: the day and the four numbers, or a reason per field (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from crm.performance.money import InvalidMoney, parse_money

ISO_DAY = re.compile(r"^(\d{4})[-/](\d{2})[-/](\d{2})$")
# Exports often end with a summary line; it is not a day of figures.
TOTAL_WORDS = frozenset({"total", "totals", "grand total", "sum", "summary"})
WHOLE = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.0+)?$")
MAX_COUNT = 10**12  # far above any real day, well inside BIGINT
MAX_CENTS = 10**15


@dataclass(frozen=True)
class Figures:
    """A day's figures for one membership, money in whole cents."""

    day: date
    clicks: int
    conversions: int
    revenue_cents: int
    commission_cents: int


def is_total_line(raw: dict[str, str]) -> bool:
    """True for a 'Total' line at the end of an export."""
    return raw.get("day", "").strip().lower() in TOTAL_WORDS


def parse_day(text: str, today: date) -> date:
    """An ISO day (2026-03-09 or 2026/03/09) no later than tomorrow; ValueError otherwise."""
    match = ISO_DAY.match(text.strip())
    if not text.strip():
        raise ValueError("is missing")
    if match is None:
        raise ValueError(f"{text.strip()!r} is not a date like 2026-03-09 (year-month-day); "
                         "day/month orders are refused because 03/04 could be either")
    try:
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a real date") from None
    if day > today + timedelta(days=1):  # a day ahead allows for networks east of UTC
        raise ValueError(f"{day.isoformat()} is in the future")
    return day


def parse_count(text: str) -> int:
    """A whole number ≥ 0 ('1,234' too); blank is 0; ValueError otherwise."""
    value = text.strip()
    if not value:
        return 0
    if value.startswith("-") and WHOLE.match(value[1:]):
        raise ValueError(f"{value} is negative; it must be 0 or more")
    if not WHOLE.match(value):
        raise ValueError(f"{value!r} is not a whole number")
    number = int(value.split(".")[0].replace(",", ""))
    if number > MAX_COUNT:
        raise ValueError(f"{value} is too large")
    return number


def parse_amount(text: str, currency: str | None) -> int:
    """Whole cents; blank is 0; negative allowed (returns and reversals)."""
    if not text.strip():
        return 0
    try:
        cents = parse_money(text, currency)
    except InvalidMoney as error:
        raise ValueError(str(error)) from None
    if abs(cents) > MAX_CENTS:
        raise ValueError(f"{text.strip()} is too large")
    return cents


def parse_figures(
    raw: dict[str, str], currency: str | None, today: date
) -> tuple[Figures | None, dict[str, str]]:
    """(figures, {}) for a good row, or (None, {field: reason})."""
    errors: dict[str, str] = {}
    values: list[object] = []
    for field in FIELDS:
        text = raw.get(field, "")
        try:
            if field == "day":
                values.append(_cached_day(text, today))
            elif field in ("clicks", "conversions"):
                values.append(_cached_count(text))
            else:
                values.append(_cached_amount(text, currency))
        except ValueError as error:
            errors[field] = str(error)
    if errors:
        return None, errors
    return Figures(*values), {}  # type: ignore[arg-type]


# Exports repeat the same dates and numbers on row after row: parse each text once.
FIELDS = ("day", "clicks", "conversions", "revenue", "commission")
_cached_day = lru_cache(maxsize=4096)(parse_day)
_cached_count = lru_cache(maxsize=65536)(parse_count)
_cached_amount = lru_cache(maxsize=65536)(parse_amount)
