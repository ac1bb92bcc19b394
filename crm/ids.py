"""Row ids as the database can hold them, in URLs, query strings and request bodies.

Primary keys are PostgreSQL `integer` columns (32-bit signed). A larger number in a URL must
be a 404 and in a body a 422 naming the field, never a database error: PostgreSQL refuses a
parameter out of its column's range and SQLite cannot bind an integer past 64 bits.
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map, ValidationError

MAX_ID = 2**31 - 1
# Also the cheapest way to refuse a long string before int() parses it.
MAX_ID_DIGITS = len(str(MAX_ID))


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: 0 to MAX_ID in ASCII digits; anything else matches nothing."""

    # Werkzeug's \d+ also matches other scripts' digits (int() reads "٣" as 3).
    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        if self.max is None or self.max > MAX_ID:
            self.max = MAX_ID

    def to_python(self, value: str) -> Any:
        if len(value.lstrip("0")) > MAX_ID_DIGITS:
            raise ValidationError()
        return super().to_python(value)


def id_parameter_schema(converter: IdConverter) -> dict[str, Any]:
    """How openapi.json describes an id in a path: an integer within the column's range."""
    return {"type": "integer", "format": "int32", "minimum": converter.min or 0,
            "maximum": converter.max}


def parse_id(raw: str | None) -> int | None:
    """The id written in a query argument or form value, or None if it is not one we could hold."""
    text = (raw or "").strip()
    if not text.isascii() or not text.isdigit() or len(text.lstrip("0")) > MAX_ID_DIGITS:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def parse_page(raw: str | None) -> int:
    """A list page number from the query string: 1 when missing or not a sane number."""
    value = parse_id(raw)
    return value if value else 1
