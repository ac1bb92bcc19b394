"""Money as whole cents: parsing what network exports write, and showing it in a currency."""

from __future__ import annotations

import re

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}
# "1,234.50", "1234.5", "-12", "$1,234.50", "USD 12.00", "12.00 EUR", "(12.00)" (accounting).
AMOUNT = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d*))?$|^\.(\d+)$")
CODE = re.compile(r"^[A-Z]{3}$")
STRIP_SYMBOLS = "$€£¥"


class InvalidMoney(ValueError):
    """The text is not an amount of money with at most two decimals."""


def parse_money(text: str, currency: str | None = None) -> int:
    """Whole cents from '1,234.50', '$1,234.50', '-12', '(3.50)'; InvalidMoney otherwise.

    A three-letter code in the text ('EUR 12.00') must equal `currency` when one is given.
    """
    value = text.strip().replace("\u2212", "-").replace("\u00a0", " ")
    negative = False
    if value.startswith("(") and value.endswith(")"):
        negative, value = True, value[1:-1].strip()
    value = _strip_code(value, currency)
    if value.startswith("-"):
        negative, value = not negative, value[1:].strip()
    value = value.lstrip(STRIP_SYMBOLS).strip()
    if value.startswith("-"):  # "$-12.00"
        negative, value = not negative, value[1:].strip()
    return -_cents(value, text) if negative else _cents(value, text)


def _strip_code(value: str, currency: str | None) -> str:
    words = value.split()
    if len(words) == 2:
        code_first = CODE.match(words[0].upper()) is not None
        code, rest = (words[0], words[1]) if code_first else (words[1], words[0])
        if CODE.match(code.upper()):
            if currency and code.upper() != currency:
                raise InvalidMoney(f"is in {code.upper()}, but the program is in {currency}")
            return rest
    return value


def _cents(value: str, original: str) -> int:
    match = AMOUNT.match(value)
    if match is None:
        if re.fullmatch(r"\d+,\d{1,2}", value):
            raise InvalidMoney(f"{original.strip()!r} uses a decimal comma; write it with a "
                               "dot, like 1234.50")
        raise InvalidMoney(f"{original.strip()!r} is not an amount like 1234.50")
    decimals = match.group(1) if match.group(2) is None else match.group(2)
    decimals = decimals or ""
    if len(decimals) > 2:
        raise InvalidMoney(f"{original.strip()!r} has more than 2 decimals")
    whole = value.split(".")[0].replace(",", "") or "0"
    return int(whole) * 100 + int(decimals.ljust(2, "0"))


def format_money(cents: int, currency: str) -> str:
    """'$1,234.50', '-€12.00', '1,234.50 CHF': whole cents shown in the program's currency."""
    sign = "-" if cents < 0 else ""
    amount = f"{abs(cents) // 100:,}.{abs(cents) % 100:02d}"
    symbol = SYMBOLS.get(currency)
    if symbol is None:
        return f"{sign}{amount} {currency}"
    return f"{sign}{symbol}{amount}"
