"""Free booking slots: a manager's weekly hours on their own clock, minus what takes their time.

Pure: no database and no clock (`now` is an argument), so the rules that are easy to get
wrong are pinned by tests without the app.

Hours are wall-clock times in the manager's zone. On the night the clocks go forward, the
hour that does not exist offers nothing; on the night they go back, the repeated hour is
offered twice, once per offset, because the manager really is there twice as long. Slots
start at the beginning of each interval and then every call length, in real minutes.
Every existing call and busy time is widened by the buffer on both sides, so a new call
never starts or ends closer than the buffer to another one. The per-day maximum counts
the manager's calls on their own calendar day.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class Rules:
    """When a manager takes calls; `weekly` maps a weekday (0 = Monday) to sorted,
    non-overlapping (start, end) minutes after midnight on the manager's clock."""

    zone: str
    weekly: Mapping[int, Sequence[tuple[int, int]]]
    call_minutes: int
    buffer_minutes: int = 0
    notice: timedelta = timedelta()
    horizon: timedelta = timedelta(days=30)
    max_per_day: int = 0  # 0: no limit
    dates_off: frozenset[date] = field(default_factory=frozenset)


@dataclass(frozen=True, order=True)
class Slot:
    """A bookable call, as UTC instants."""

    start: datetime
    end: datetime


@dataclass(frozen=True)
class Day:
    """The free slots of one calendar day on the visitor's clock."""

    day: date
    slots: list[tuple[Slot, str]]  # (slot, its start as the visitor reads it: "09:30")


def free_slots(rules: Rules, now: datetime, calls: Iterable[Interval] = (),
               busy: Iterable[Interval] = ()) -> list[Slot]:
    """Every slot from now + notice until now + horizon that nothing overlaps, in order."""
    zone = ZoneInfo(rules.zone)
    calls = list(calls)
    buffer = timedelta(minutes=rules.buffer_minutes)
    blocked = _merged([(start - buffer, end + buffer) for start, end in [*calls, *busy]])
    ends = [end for _, end in blocked]
    full = _full_days(rules, zone, calls)
    length = timedelta(minutes=rules.call_minutes)
    free = []
    for start in _candidates(rules, zone, now + rules.notice, now + rules.horizon, full):
        end = start + length
        first = bisect_right(ends, start)  # the first blocked interval ending after start
        if first < len(blocked) and blocked[first][0] < end:
            continue
        free.append(Slot(start, end))
    return free


def is_free(slot_start: datetime, slots: Sequence[Slot]) -> bool:
    """Whether a start instant is one of the free slots."""
    return any(slot.start == slot_start for slot in slots)


def by_day(slots: Iterable[Slot], zone_name: str) -> list[Day]:
    """The slots grouped by the visitor's calendar day, each with its wall-clock label."""
    zone = ZoneInfo(zone_name)
    days: dict[date, list[tuple[Slot, str]]] = {}
    for slot in slots:
        local = slot.start.astimezone(zone)
        days.setdefault(local.date(), []).append((slot, wall_clock(local)))
    return [Day(day, entries) for day, entries in days.items()]


def wall_clock(local: datetime) -> str:
    """"09:30", or "02:30 CEST" when that time happens twice that night (clocks go back)."""
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        return f"{local:%H:%M} {local.tzname()}"
    return f"{local:%H:%M}"


def _candidates(rules: Rules, zone: ZoneInfo, earliest: datetime, latest: datetime,
                full: set[date]) -> Iterator[datetime]:
    step = timedelta(minutes=rules.call_minutes)
    day, last = earliest.astimezone(zone).date(), latest.astimezone(zone).date()
    while day <= last:
        if day not in rules.dates_off and day not in full:
            for start_minute, end_minute in rules.weekly.get(day.weekday(), ()):
                start, end = _instant(day, start_minute, zone), _instant(day, end_minute, zone)
                moment = start
                while moment + step <= end and moment < latest:
                    if moment >= earliest:
                        yield moment
                    moment += step
        day += timedelta(days=1)


def _instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The instant of a wall-clock minute; one in a gap is read with the offset before it,
    which lands just after the gap, where the clocks jumped to."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _full_days(rules: Rules, zone: ZoneInfo, calls: list[Interval]) -> set[date]:
    if not rules.max_per_day:
        return set()
    per_day = Counter(start.astimezone(zone).date() for start, _ in calls)
    return {day for day, count in per_day.items() if count >= rules.max_per_day}


def _merged(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same time."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
