"""Keyset cursors: opaque strings that say where the previous page stopped.

A cursor names the last row shown (by id, or by (occurred_at, id) on a timeline), never an
offset, so pages stay stable while rows are added between requests.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import marshmallow as ma
from sqlalchemy import Select

from crm.extensions import db
from crm.ids import parse_id

Row = TypeVar("Row")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(*parts: str) -> str:
    """An opaque, URL-safe cursor from its parts."""
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[str]:
    """The parts of a cursor made by encode_cursor; ValueError if it is not one."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode().split("|")
    except (binascii.Error, UnicodeError) as error:
        raise ValueError("not a cursor") from error


def id_cursor(row_id: int) -> str:
    """The cursor after the row with this id."""
    return encode_cursor(f"id:{row_id}")


def timeline_cursor(occurred_at: datetime, row_id: int) -> str:
    """The cursor after this timeline entry."""
    return encode_cursor(f"at:{occurred_at.isoformat()}", f"id:{row_id}")


def _id_part(part: str) -> int:
    prefix, _, number = part.partition(":")
    row_id = parse_id(number) if prefix == "id" else None
    if row_id is None:
        raise ValueError("not an id cursor")
    return row_id


def _time_part(part: str) -> datetime:
    prefix, _, text = part.partition(":")
    at = datetime.fromisoformat(text) if prefix == "at" else None
    if at is None or at.tzinfo is None:
        raise ValueError("not a timeline cursor")
    return at


class IdCursor(ma.fields.String):
    """A query argument holding an id cursor; loads as the id it points after."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        try:
            (part,) = decode_cursor(super()._deserialize(value, attr, data, **kwargs))
            return _id_part(part)
        except ValueError:
            raise ma.ValidationError("Not a valid cursor; use next_cursor from a page.") from None


class TimelineCursor(ma.fields.String):
    """A query argument holding a timeline cursor; loads as (occurred_at, id)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> tuple[datetime, int]:
        try:
            at, row_id = decode_cursor(super()._deserialize(value, attr, data, **kwargs))
            return _time_part(at), _id_part(row_id)
        except ValueError:
            raise ma.ValidationError("Not a valid cursor; use next_cursor from a page.") from None


def keyset_page(
    query: Select[tuple[Row]], limit: int, cursor_of: Callable[[Row], str]
) -> dict[str, Sequence[Row] | str | None]:
    """One page of the keyset query, and the cursor for the next page (None on the last)."""
    # One row more than asked tells whether a next page exists without a COUNT.
    rows = db.session.scalars(query.limit(limit + 1)).all()
    items = rows[:limit]
    more = len(rows) > limit
    return {"items": items, "next_cursor": cursor_of(items[-1]) if more else None}
