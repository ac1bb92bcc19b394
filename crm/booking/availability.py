"""A manager's availability: weekly hours, call rules, dates off, the general link and the
calendar read for busy times. Each function validates everything, then saves all or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete

from crm import clock
from crm.booking import hours, links
from crm.credentials import seal_text
from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import Availability, BusyTime, User

# (name, lowest, highest) of the whole-number rules.
NUMBERS = (
    ("call_minutes", 5, 480),
    ("buffer_minutes", 0, 240),
    ("notice_hours", 0, 720),
    ("horizon_days", 1, 365),
    ("max_per_day", 0, 50),
)
VIDEO_URL_LIMIT = 500
CALENDAR_URL_LIMIT, CALENDAR_USERNAME_LIMIT, CALENDAR_PASSWORD_LIMIT = 1000, 200, 500
# Office hours to start from: weekdays 09:00-12:00 and 13:00-17:00.
STARTER_HOURS = {str(day): [[540, 720], [780, 1020]] for day in range(5)}


def availability_of(user: User) -> Availability:
    """The user's availability; a starting point (not saved) when they have none yet."""
    existing = db.session.get(Availability, user.id)
    if existing is not None:
        return existing
    return Availability(user_id=user.id, weekly_hours={}, call_minutes=30, buffer_minutes=10,
                        notice_hours=12, horizon_days=30, max_per_day=0, dates_off=[],
                        video_url="", link_version=1, lock_serial=0, calendar_url="",
                        calendar_username="", calendar_password="", calendar_error="")


def form_values(availability: Availability) -> dict[str, str]:
    """What the form shows for a saved availability."""
    values = {f"hours_{day}": hours.format_hours(availability.weekly_hours.get(str(day), []))
              for day in range(7)}
    values.update({name: str(getattr(availability, name)) for name, _, _ in NUMBERS})
    values["dates_off"] = hours.format_dates_off(availability.dates_off)
    values["video_url"] = availability.video_url
    return values


def save_availability(user: User, values: Mapping[str, str]) -> Availability:
    """Check every field (errors keyed by field) and save them all, or raise InvalidInput."""
    errors: dict[str, str] = {}
    numbers = _numbers(values, errors)
    weekly = _weekly(values, numbers.get("call_minutes"), errors)
    try:
        dates_off = hours.parse_dates_off(values.get("dates_off", ""))
    except ValueError as error:
        errors["dates_off"] = str(error)
    video_url = (values.get("video_url") or "").strip()
    if video_url and not _is_web_url(video_url, ("http", "https")):
        errors["video_url"] = "must be an http:// or https:// link"
    elif len(video_url) > VIDEO_URL_LIMIT:
        errors["video_url"] = f"at most {VIDEO_URL_LIMIT} characters"
    if ("notice_hours" in numbers and "horizon_days" in numbers
            and numbers["notice_hours"] >= numbers["horizon_days"] * 24):
        errors["notice_hours"] = "must be shorter than how far ahead people can book"
    if errors:
        raise InvalidInput("Your availability was not saved.", errors)
    availability = _stored(user)
    availability.weekly_hours = weekly
    for name, value in numbers.items():
        setattr(availability, name, value)
    availability.dates_off = [[first.isoformat(), last.isoformat()] for first, last in dates_off]
    availability.video_url = video_url
    availability.updated_at = clock.now()
    db.session.commit()
    return availability


def _numbers(values: Mapping[str, str], errors: dict[str, str]) -> dict[str, int]:
    numbers = {}
    for name, lowest, highest in NUMBERS:
        text = (values.get(name) or "").strip()
        try:
            number = int(text)
        except ValueError:
            errors[name] = "enter a whole number"
            continue
        if not lowest <= number <= highest:
            errors[name] = f"must be between {lowest} and {highest}"
        else:
            numbers[name] = number
    return numbers


def _weekly(values: Mapping[str, str], call_minutes: int | None,
            errors: dict[str, str]) -> dict[str, list[list[int]]]:
    weekly = {}
    for day in range(7):
        name = f"hours_{day}"
        try:
            intervals = hours.parse_hours(values.get(name, ""))
        except ValueError as error:
            errors[name] = str(error)
            continue
        short = [i for i in intervals if call_minutes and i[1] - i[0] < call_minutes]
        if short:
            errors[name] = (f"{hours.format_interval(short[0])} is shorter than one "
                            f"{call_minutes}-minute call")
        elif intervals:
            weekly[str(day)] = [list(interval) for interval in intervals]
    return weekly


def _stored(user: User) -> Availability:
    availability = db.session.get(Availability, user.id)
    if availability is None:
        availability = availability_of(user)
        db.session.add(availability)
    return availability


def general_link(user: User) -> str | None:
    """The manager's general booking link, once they have saved their hours."""
    availability = db.session.get(Availability, user.id)
    if availability is None:
        return None
    return links.manager_link(user.id, availability.link_version)


def new_general_link(user: User) -> str:
    """A new general link; every one made before stops working."""
    availability = _stored(user)
    availability.link_version = (availability.link_version or 1) + 1
    availability.updated_at = clock.now()
    db.session.commit()
    return links.manager_link(user.id, availability.link_version)


def save_calendar(user: User, url: str, username: str, password: str | None) -> Availability:
    """Read busy times from this calendar (ICS or CalDAV URL); password None keeps the old
    one, an empty URL stops reading and forgets the busy times."""
    url, username = (url or "").strip(), (username or "").strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://"):]
    errors = {}
    if url and not _is_web_url(url, ("http", "https")):
        errors["calendar_url"] = "must be an https:// (or webcal://) calendar address"
    elif len(url) > CALENDAR_URL_LIMIT:
        errors["calendar_url"] = f"at most {CALENDAR_URL_LIMIT} characters"
    if len(username) > CALENDAR_USERNAME_LIMIT:
        errors["calendar_username"] = f"at most {CALENDAR_USERNAME_LIMIT} characters"
    if password is not None and len(password) > CALENDAR_PASSWORD_LIMIT:
        errors["calendar_password"] = f"at most {CALENDAR_PASSWORD_LIMIT} characters"
    if errors:
        raise InvalidInput("Your calendar was not saved.", errors)
    availability = _stored(user)
    availability.calendar_url, availability.calendar_username = url, username
    if password is not None or not url:
        availability.calendar_password = seal_text(password) if password else ""
    availability.calendar_error, availability.calendar_read_at = "", None
    availability.calendar_requested_at = clock.now() if url else None
    availability.updated_at = clock.now()
    if not url:
        db.session.execute(delete(BusyTime).where(BusyTime.user_id == user.id))
    db.session.commit()
    if url:  # read it now rather than at the next interval
        current_app.extensions["rapport.actors"]["read_calendar"].send(user.id)
    return availability


def _is_web_url(url: str, schemes: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in schemes and bool(parts.netloc) and " " not in url
