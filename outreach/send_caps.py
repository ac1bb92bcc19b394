"""A sender's daily cap and warm-up ramp, enforced in the database so it holds across every
scheduler process and the tick's helper processes.

Each sender has one row per day of their own calendar (SenderDay.used). A batch reads what is
left (no lock), renders at most that, and then takes what it queued with a conditional
`UPDATE … SET used = used + k WHERE used + k <= allowance` (one statement for all the batch's
senders, the rows locked in sender order first), in the batch's own transaction: the count
commits or rolls back with the outbox rows it stands for. On PostgreSQL a second process
waits for the first to commit and then sees the committed count; SQLite has one writer. A
sender whose count no longer fits whole gets what room is left; the rest (another process
used the room first) waits for the sender's next day.

Warm-up: on the sender's first day of campaign sending they may send `warmup_start`, each
later day `warmup_increment` more, up to `daily_send_cap` (outreach.campaign_schedule).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select, update

from crm.extensions import db
from crm.models import SenderDay
from outreach.bulk_writes import is_postgresql, one_of
from outreach.campaign_schedule import daily_allowance, sender_day
from outreach.sequences import zone_of

RETRIES = 5


class Quota:
    """What each sender of a batch may still queue today, taken locally while rendering and
    then from the database in one step per sender (`settle`)."""

    def __init__(self, senders: dict[int, Any], now: datetime) -> None:
        self.days = {sid: sender_day(now, zone_of(user.timezone)) for sid, user in senders.items()}
        first = _first_days(set(senders))
        used = _used(self.days)
        self.allowance: dict[int, int] = {}
        self.left: dict[int, int] = {}
        for sid, user in senders.items():
            days_sending = (self.days[sid] - first.get(sid, self.days[sid])).days
            self.allowance[sid] = daily_allowance(
                user.daily_send_cap, user.warmup_start, user.warmup_increment, days_sending)
            self.left[sid] = max(self.allowance[sid] - used.get(sid, 0), 0)
        self.taken: dict[int, int] = {}

    def take(self, sender_id: int) -> bool:
        """One more email for this sender, if today's allowance has room (locally)."""
        if self.left.get(sender_id, 0) <= 0:
            return False
        self.left[sender_id] -= 1
        self.taken[sender_id] = self.taken.get(sender_id, 0) + 1
        return True

    def give_back(self, sender_id: int) -> None:
        """An email taken but not queued after all (its template failed)."""
        self.left[sender_id] += 1
        self.taken[sender_id] -= 1

    def settle(self) -> dict[int, int]:
        """Take the counts from the database; sender id → how many it granted.

        Usually one statement takes every sender's count at once; a sender whose row another
        process changed since the batch read it is taken again on its own.
        """
        taken = {sid: count for sid, count in sorted(self.taken.items()) if count}
        if not taken:
            return {}
        _ensure_rows({(sid, self.days[sid]) for sid in taken})
        granted = _take_all({sid: (self.days[sid], count, self.allowance[sid])
                             for sid, count in taken.items()})
        for sid, count in taken.items():  # in id order: processes never wait crosswise
            if sid not in granted:
                granted[sid] = reserve(sid, self.days[sid], count, self.allowance[sid])
        return granted


def _take_all(wanted: dict[int, tuple[date, int, int]]) -> dict[int, int]:
    """Add each sender's count where it fits whole, in one conditional UPDATE … RETURNING;
    the senders it was added for."""
    def by_sender(index: int) -> Any:
        return case({sid: values[index] for sid, values in wanted.items()},
                    value=SenderDay.sender_id)

    day, count, allowance = by_sender(0), by_sender(1), by_sender(2)
    mine = (SenderDay.sender_id.in_(list(wanted)), SenderDay.day == day)
    if is_postgresql():
        # Locked in sender order first (SQLite has one writer), so two processes settling
        # overlapping senders queue up behind each other and never deadlock.
        db.session.execute(select(SenderDay.sender_id).where(*mine)
                           .order_by(SenderDay.sender_id).with_for_update())
    rows = db.session.execute(
        update(SenderDay)
        .where(*mine, SenderDay.used + count <= allowance)
        .values(used=SenderDay.used + count)
        .returning(SenderDay.sender_id)
        .execution_options(synchronize_session=False))
    return {sid: wanted[sid][1] for sid in rows.scalars()}


def _first_days(sender_ids: set[int]) -> dict[int, date]:
    if not sender_ids:
        return {}
    return dict(db.session.execute(
        select(SenderDay.sender_id, func.min(SenderDay.day))
        .where(one_of(SenderDay.sender_id, sender_ids), SenderDay.used > 0)
        .group_by(SenderDay.sender_id)).all())


def _used(days: dict[int, date]) -> dict[int, int]:
    if not days:
        return {}
    rows = db.session.execute(
        select(SenderDay.sender_id, SenderDay.day, SenderDay.used)
        .where(one_of(SenderDay.sender_id, set(days)), SenderDay.day.in_(set(days.values()))))
    return {row.sender_id: row.used for row in rows if days[row.sender_id] == row.day}


def reserve(sender_id: int, day: date, wanted: int, allowance: int) -> int:
    """Add up to `wanted` to the sender's count for `day` (its row must exist) without passing
    `allowance`, in the caller's transaction; how many were added."""
    for _ in range(RETRIES):
        used = db.session.scalar(select(SenderDay.used).where(
            SenderDay.sender_id == sender_id, SenderDay.day == day)) or 0
        room = min(wanted, allowance - used)
        if room <= 0:
            return 0
        taken = db.session.execute(
            update(SenderDay)
            .where(SenderDay.sender_id == sender_id, SenderDay.day == day,
                   SenderDay.used + room <= allowance)
            .values(used=SenderDay.used + room)
            .execution_options(synchronize_session=False)).rowcount
        if taken:
            return room
    return 0


def _ensure_rows(keys: set[tuple[int, date]]) -> None:
    """A count row (0) for each (sender, day) that has none, in one statement."""
    if not keys:
        return
    if is_postgresql():
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.session.execute(
        insert(SenderDay).values([{"sender_id": sid, "day": day, "used": 0}
                                  for sid, day in sorted(keys)])
        .on_conflict_do_nothing(index_elements=["sender_id", "day"]))
