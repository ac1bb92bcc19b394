"""Demo availability: every demo manager takes booked calls on weekdays in their own zone."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from crm.models import Availability, User

# Office hours with a lunch break, 30-minute calls and a 10-minute buffer; Fridays are shorter.
WEEKDAY_HOURS = [[540, 720], [780, 1020]]
FRIDAY_HOURS = [[540, 780]]


def load(session, now: datetime) -> int:
    """Add availability for each demo manager (in the caller's transaction); how many."""
    managers = session.scalars(select(User).where(User.role == "manager").order_by(User.id))
    count = 0
    for number, manager in enumerate(managers):
        day_off = (now + timedelta(days=8 + number)).date().isoformat()
        session.add(Availability(
            user_id=manager.id, call_minutes=30, buffer_minutes=10, notice_hours=12,
            horizon_days=30, max_per_day=6,
            weekly_hours={**{str(day): WEEKDAY_HOURS for day in range(4)}, "4": FRIDAY_HOURS},
            dates_off=[[day_off, day_off]], video_url=f"https://meet.example.com/{manager.id:03d}",
            link_version=1, lock_serial=0, calendar_url="", calendar_username="",
            calendar_password="", calendar_error="", updated_at=now))
        count += 1
    return count
