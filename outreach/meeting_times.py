"""Wall-clock times picked in one zone, as instants, and instants shown in another zone.

A manager picks "Tue 17 Mar, 16:00" in their own zone; the call is stored as a UTC instant
and shown to the partner in theirs. Two local times need a decision: one that does not
exist (clocks jump forward) is refused, so nobody is invited at a time their calendar would
silently move; one that happens twice (clocks fall back) is taken at its first occurrence,
the reading calendar applications use.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm.errors import InvalidInput


def zone(tzname: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzname)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"Unknown time zone {tzname!r}.",
                           {"timezone": f"unknown time zone {tzname!r}"}) from None


def instant_from_local(naive: datetime, tzname: str) -> datetime:
    """The UTC instant of a wall-clock time in `tzname`."""
    if naive.tzinfo is not None:
        raise ValueError("instant_from_local takes a wall-clock (naive) time")
    local = naive.replace(tzinfo=zone(tzname), fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(local.tzinfo).replace(tzinfo=None) != naive:
        raise InvalidInput(
            "That time does not exist on that day.",
            {"starts_at": f"{naive:%H:%M} does not exist in {tzname} on {naive:%d %b %Y} "
                          "(the clocks go forward); pick another time"},
        )
    return instant


def local_view(instant: datetime, tzname: str) -> datetime:
    """The instant on the wall clocks of `tzname`."""
    return instant.astimezone(zone(tzname))


def describe(instant: datetime, tzname: str) -> str:
    """'Tue 17 Mar 2026, 16:00 (Europe/Berlin)'."""
    return f"{local_view(instant, tzname):%a %d %b %Y, %H:%M} ({tzname})"
