"""When campaign emails go out, which subject a prospect gets, how many a sender may send
(pure functions; the tick and the tests call them).

A step is due `delay_days` calendar days after enrolment on the prospect's own clock, moved
into the campaign's sending window in the prospect's time zone (outreach.business_hours, as
for welcome emails). What a sender's daily cap cannot take today waits for the sender's next
day, then again for the window.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outreach.business_hours import BusinessHours, next_send_time


def step_due(started_at: datetime, delay_days: int, zone: ZoneInfo, hours: BusinessHours,
             not_before: datetime) -> datetime:
    """When a campaign step goes out: `delay_days` calendar days after enrolment on the
    prospect's own clock (10:00 stays 10:00 across a DST change), never before `not_before`,
    inside the sending window."""
    # Aware arithmetic inside one zone is wall-clock arithmetic; astimezone resolves it.
    local = started_at.astimezone(zone) + timedelta(days=delay_days)
    due = max(local.astimezone(UTC), not_before)
    return next_send_time(due, zone, hours)


def variant_for(enrollment_id: int, has_variant_b: bool) -> str:
    """'A' or 'B': an even split by enrollment id, the same for every step and every tick."""
    return "B" if has_variant_b and enrollment_id % 2 else "A"


def daily_allowance(cap: int, warmup_start: int, warmup_increment: int,
                    days_sending: int) -> int:
    """Emails a sender may send on their `days_sending`-th day of campaign sending (0: the
    first): `warmup_start`, plus `warmup_increment` a day, never above `cap`; no warm-up
    (start 0) is the cap from the first day."""
    if warmup_start <= 0:
        return cap
    return min(cap, warmup_start + warmup_increment * max(days_sending, 0))


def sender_day(now: datetime, sender_zone: ZoneInfo) -> date:
    """The sender's calendar day at `now`: the day their cap counts against."""
    return now.astimezone(sender_zone).date()


def next_sender_day(now: datetime, sender_zone: ZoneInfo) -> datetime:
    """The instant the sender's next calendar day begins (in UTC)."""
    tomorrow = sender_day(now, sender_zone) + timedelta(days=1)
    # A zone whose midnight falls in a DST gap starts the day at the first instant after it.
    start = datetime.combine(tomorrow, time(0), tzinfo=sender_zone).astimezone(UTC)
    while start.astimezone(sender_zone).date() < tomorrow:
        start += timedelta(minutes=30)
    return start


def deferred_due(now: datetime, sender_zone: ZoneInfo, partner_zone: ZoneInfo,
                 hours: BusinessHours) -> datetime:
    """When an email the sender's cap could not take today is due again: the first moment of
    the prospect's window on or after the sender's next day."""
    return next_send_time(next_sender_day(now, sender_zone), partner_zone, hours)
