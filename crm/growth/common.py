"""What the growth records share: today's date, the date window, days and money as text.

"Today" is the UTC date of crm.clock.now(), the day the follow-up rules and the client
reports count in too.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from crm import clock
from crm.errors import InvalidInput, NotFound
from crm.extensions import db
from crm.models import Membership

# Placements and promotions may be booked well ahead or entered from old records.
DATE_WINDOW = timedelta(days=5 * 366)
CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
# "1250", "1,250", "1250.5", "1,250.00" (an optional currency sign or code around it).
MONEY = re.compile(r"(?P<units>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<cents>\d{1,2}))?")
CURRENCY_NOISE = re.compile(r"^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$|^[$€£]\s*")


def today() -> date:
    """The current UTC date: the day growth records are in force, running or ended on."""
    return clock.now().date()


def load_membership(membership_id: int) -> Membership:
    """The membership with this id, or NotFound."""
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        raise NotFound(f"There is no membership #{membership_id}.")
    return membership


def format_day(day: date) -> str:
    """12 Mar 2026."""
    return f"{day.day} {day:%b %Y}"


def date_problem(value: date | None, on: date, window: timedelta, words: str) -> str | None:
    """Why a required date is unusable (missing, or further than `window` from `on`), or None."""
    if value is None:
        return "is required"
    if abs(value - on) > window:
        return f"must be within {words} of today ({format_day(on)})"
    return None


def period_errors(starts_on: date | None, ends_on: date | None, on: date,
                  end_required: bool = True) -> dict[str, str]:
    """{field: reason} for a start and end date within five years of `on`, end ≥ start."""
    errors: dict[str, str] = {}
    for name, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if value is None and name == "ends_on" and not end_required:
            continue
        problem = date_problem(value, on, DATE_WINDOW, "five years")
        if problem:
            errors[name] = problem
    if starts_on and ends_on and "ends_on" not in errors and ends_on < starts_on:
        errors["ends_on"] = "must be on or after the start date"
    return errors


def money_input(cents: int | None) -> str:
    """Whole cents as the form shows them: 125000 → '1,250.00'; None → ''."""
    if cents is None:
        return ""
    units, rest = divmod(cents, 100)
    return f"{units:,}.{rest:02d}"


def format_money(cents: int, currency: str) -> str:
    """Whole cents as money: $1,250.00 for USD, EUR and GBP by symbol, else 1,250.00 CHF."""
    sign = "-" if cents < 0 else ""
    amount = money_input(abs(cents))
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{amount}" if symbol else f"{sign}{amount} {currency}"


def parse_money(text: str | None, field: str = "fee") -> int | None:
    """'1,250.00' → 125000 whole cents; blank → None; anything else is InvalidInput."""
    raw = (text or "").strip()
    if not raw:
        return None
    match = MONEY.fullmatch(CURRENCY_NOISE.sub("", raw))
    if match is None:
        raise InvalidInput("The amount is not a number.",
                           {field: "write the amount like 1,250.00 (no minus sign)"})
    cents = (match["cents"] or "0").ljust(2, "0")
    return int(match["units"].replace(",", "")) * 100 + int(cents)
