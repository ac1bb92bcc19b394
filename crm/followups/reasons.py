"""SQL expressions that write a follow-up's reason as people read it: money, numbers, words.

A rule's reason is computed in the same INSERT … SELECT that raises the flag, so amounts are
formatted by the database: `printf('%,d')` on SQLite, `to_char` on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, String, case, cast, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "AUD": "A$", "CAD": "C$", "JPY": "¥"}


class grouped_digits(FunctionElement):
    """An integer with thousands separators: 1234567 → '1,234,567'."""

    type = String()
    inherit_cache = True
    name = "grouped_digits"


@compiles(grouped_digits)
def _grouped_digits_sqlite(element, compiler, **kw) -> str:
    return f"printf('%,d', {compiler.process(element.clauses, **kw)})"


@compiles(grouped_digits, "postgresql")
def _grouped_digits_postgresql(element, compiler, **kw) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'FM999,999,999,999,990')"


def text_of(*parts: Any) -> ColumnElement[str]:
    """Concatenate literals and expressions into one string (`||` on both databases)."""
    pieces = [literal(part, String) if isinstance(part, str) else cast(part, String)
              for part in parts]
    result = pieces[0]
    for piece in pieces[1:]:
        result = result + piece
    return result


def whole_units(cents: Any) -> ColumnElement[int]:
    """Cents rounded to whole currency units, as an integer on both databases."""
    return cast((cents + 50) // 100, BigInteger)


def money(cents: Any, currency: Any) -> ColumnElement[str]:
    """'$1,200', '€950' or 'SEK 4,000': whole units with the currency's symbol or code."""
    symbol = case(*((currency == code, literal(sign)) for code, sign in SYMBOLS.items()),
                  else_=currency + literal(" "))
    return symbol + grouped_digits(whole_units(cents))


def words(value: Any, labels: dict[str, str]) -> ColumnElement[str]:
    """A stored code as its label ('homepage_feature' → 'Homepage feature')."""
    return case(*((value == code, literal(label)) for code, label in labels.items()),
                else_=value)
