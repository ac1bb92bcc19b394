"""What a booking page shows: the visitor's zone, the days with free slots, the chosen day
and slot. Built from the free slots and the query string; no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from crm.booking.slots import Day, Slot, by_day, wall_clock
from crm.errors import DomainError
from outreach.meeting_times import zone


@dataclass(frozen=True)
class Picker:
    """The slot picker in one zone: every day with free slots, the one shown, the one picked."""

    zone: str
    days: list[Day]
    day: Day | None
    chosen: Slot | None

    def label(self, slot: Slot) -> str:
        """"Tue 17 Mar 2026, 09:30–10:00" on the visitor's clock."""
        start, end = slot.start.astimezone(zone(self.zone)), slot.end.astimezone(zone(self.zone))
        return f"{start:%a %d %b %Y}, {wall_clock(start)}–{wall_clock(end)}"


def visitor_zone(requested: str | None, fallback: str) -> str:
    """The zone the visitor asked for, if it is a real one; else the fallback (or UTC)."""
    for name in (requested, fallback):
        if name:
            try:
                zone(name)
            except DomainError:
                continue
            return name
    return "UTC"


def picker(slots: list[Slot], zone_name: str, day: str | None = None,
           start: str | None = None) -> Picker:
    """The picker for `slots`, showing the asked-for day (else the first) and start."""
    days = by_day(slots, zone_name)
    moment = _instant(start)
    chosen = next((slot for slot in slots if slot.start == moment), None) if moment else None
    # A start that is no longer free still says which day the visitor was looking at.
    wanted = moment.astimezone(zone(zone_name)).date() if moment else _date(day)
    shown = next((d for d in days if d.day == wanted), days[0] if days else None)
    return Picker(zone_name, days, shown, chosen)


def _instant(start: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(start or "")
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def slot_value(slot: Slot) -> str:
    """The slot's start as the form sends it: a UTC instant, so no zone can misread it."""
    return slot.start.strftime("%Y-%m-%dT%H:%MZ")
