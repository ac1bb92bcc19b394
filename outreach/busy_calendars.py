"""Busy times from a manager's own calendar, read periodically so booking pages avoid them.

The calendar is a subscribed ICS URL (Google's "secret address", Outlook's published
calendar, any .ics file) or a CalDAV collection (asked with a calendar-query REPORT for the
window, RFC 4791 7.8); a URL that is not CalDAV is read as a plain ICS file. Recurring
events are expanded by `recurring-ical-events` (RRULE, RDATE, EXDATE, moved occurrences,
time zones). Only the times are kept, never titles or attendees. Events marked free
(TRANSP:TRANSPARENT) or cancelled do not count, nor do copies of Rapport's own invitations
(the meetings table has those already, and a cancelled one must not block its slot). All-day
and floating times are read on the manager's clock.

The scheduler tick hands each due calendar to a worker (`read_calendar`) once per
RAPPORT_CALENDAR_REFRESH_MINUTES; the claim is a conditional UPDATE, so several schedulers
enqueue it once, and a read lost by the broker is asked for again an interval later.
"""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import recurring_ical_events
from flask import current_app
from icalendar import Calendar
from sqlalchemy import delete, insert, or_, select, update

from crm import clock
from crm.credentials import CredentialsUnreadable, open_text
from crm.extensions import db
from crm.models import Availability, BusyTime, Meeting, User

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 20
MAX_BYTES = 10 * 1024 * 1024
MAX_BUSY_TIMES = 5000
DAV = "{DAV:}"
CALDAV = "{urn:ietf:params:xml:ns:caldav}"
QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><C:calendar-data/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start:%Y%m%dT%H%M%SZ}" end="{end:%Y%m%dT%H%M%SZ}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""


class CalendarProblem(Exception):
    """The calendar could not be read; the message is shown to the manager."""


@dataclass(frozen=True)
class Busy:
    start: datetime
    end: datetime
    uid: str


def queue_reads(now: datetime) -> list[int]:
    """Claim the calendars due for a read and hand them to workers; their users' ids."""
    due = now - timedelta(minutes=current_app.config["RAPPORT_CALENDAR_REFRESH_MINUTES"])
    claimed = list(db.session.scalars(
        update(Availability)
        .where(Availability.calendar_url != "",
               or_(Availability.calendar_requested_at.is_(None),
                   Availability.calendar_requested_at <= due))
        .values(calendar_requested_at=now)
        .returning(Availability.user_id)))
    db.session.commit()
    actor = current_app.extensions["rapport.actors"]["read_calendar"]
    for user_id in claimed:
        actor.send(user_id)
    return claimed


def _password(sealed: str) -> str | None:
    """The calendar password ("" when none was given); None when no key opens it any more."""
    try:
        return open_text(sealed) if sealed else ""
    except CredentialsUnreadable:
        return None


def refresh(user_id: int) -> int:
    """Read the user's calendar and replace their busy times; how many were stored."""
    availability = db.session.get(Availability, user_id)
    if availability is None or not availability.calendar_url:
        return 0
    now = clock.now()
    since, until = now - timedelta(days=1), now + timedelta(days=availability.horizon_days + 2)
    url, username = availability.calendar_url, availability.calendar_username
    password = _password(availability.calendar_password)
    zone = ZoneInfo(db.session.get(User, user_id).timezone)
    db.session.commit()  # no transaction stays open while the network is slow
    try:
        if password is None:
            raise CalendarProblem("The saved password can no longer be read; enter it again.")
        found = read_busy(url, username, password, zone, since, until)
    except CalendarProblem as problem:
        return _record_problem(user_id, str(problem))
    return _store(user_id, _without_our_calls(found), now)


def read_busy(url: str, username: str, password: str, zone: ZoneInfo, since: datetime,
              until: datetime) -> list[Busy]:
    """The busy times a calendar URL holds between two instants, expanded and sorted."""
    calendars = None
    if not urlsplit(url).path.lower().endswith(".ics"):
        calendars = _caldav_query(url, username, password, since, until)
    if calendars is None:
        calendars = [_fetch(url, username, password, "GET")[1]]
    found: list[Busy] = []
    for data in calendars:
        found.extend(busy_in(data, zone, since, until))
    return sorted(found, key=lambda busy: (busy.start, busy.end))[:MAX_BUSY_TIMES]


def busy_in(data: bytes, zone: ZoneInfo, since: datetime, until: datetime) -> list[Busy]:
    """The busy occurrences in one iCalendar text between two instants (pure)."""
    try:
        calendar = Calendar.from_ical(data)
        events = recurring_ical_events.of(calendar, skip_bad_series=True).between(since, until)
    except Exception as error:  # the library raises many kinds for a malformed calendar
        raise CalendarProblem(f"The calendar could not be read ({type(error).__name__}).") \
            from None
    found = []
    for event in events:
        if (str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT"
                or str(event.get("STATUS", "")).upper() == "CANCELLED"):
            continue
        start = _instant(event["DTSTART"].dt, zone)
        end = _instant(event["DTEND"].dt, zone) if "DTEND" in event else start
        if end > start:
            found.append(Busy(start, end, str(event.get("UID", ""))))
    return found


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):  # an all-day event: the manager's whole day
        value = datetime.combine(value, time())
    if value.tzinfo is None:  # floating time: the manager's clock
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _caldav_query(url: str, username: str, password: str, since: datetime,
                  until: datetime) -> list[bytes] | None:
    """The calendar-data of every event in the window, or None when this is not CalDAV."""
    body = QUERY.format(start=since.astimezone(UTC), end=until.astimezone(UTC)).encode()
    try:
        status, data = _fetch(url, username, password, "REPORT", body)
    except CalendarProblem:
        return None  # not a CalDAV server (or not one we can ask): try it as a plain file
    if status != 207:
        return None
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        raise CalendarProblem("The CalDAV server's answer could not be read.") from None
    return [element.text.encode() for element in root.iter(f"{CALDAV}calendar-data")
            if element.text and element.text.strip()]


def _fetch(url: str, username: str, password: str, method: str,
           body: bytes | None = None) -> tuple[int, bytes]:
    headers = {"User-Agent": "Rapport calendar reader", "Accept": "text/calendar, */*"}
    if body is not None:
        headers.update({"Content-Type": "application/xml; charset=utf-8", "Depth": "1"})
    if username or password:
        pair = f"{username}:{password}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            data = response.read(MAX_BYTES + 1)
            status = response.status
    except urllib.error.HTTPError as error:
        error.close()
        if error.code in (401, 403):
            raise CalendarProblem("The calendar refused the user name or password.") from None
        raise CalendarProblem(f"The calendar answered {error.code} {error.reason}.") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise CalendarProblem(f"The calendar could not be reached ({reason}).") from None
    if len(data) > MAX_BYTES:
        raise CalendarProblem("The calendar is larger than 10 MB.")
    return status, data


def _without_our_calls(found: list[Busy]) -> list[Busy]:
    """Drop the copies of Rapport's own invitations (matched by UID)."""
    uids = {busy.uid for busy in found if busy.uid}
    ours: set[str] = set()
    uid_list = list(uids)
    for start in range(0, len(uid_list), 500):
        ours.update(db.session.scalars(
            select(Meeting.uid).where(Meeting.uid.in_(uid_list[start:start + 500]))))
    return [busy for busy in found if busy.uid not in ours]


def _store(user_id: int, found: list[Busy], now: datetime) -> int:
    db.session.execute(delete(BusyTime).where(BusyTime.user_id == user_id))
    if found:
        db.session.execute(insert(BusyTime), [
            {"user_id": user_id, "starts_at": busy.start, "ends_at": busy.end}
            for busy in found])
    db.session.execute(update(Availability).where(Availability.user_id == user_id)
                       .values(calendar_read_at=now, calendar_error=""))
    db.session.commit()
    return len(found)


def _record_problem(user_id: int, problem: str) -> int:
    """Keep the last good busy times and tell the manager what went wrong."""
    log.warning("calendar of user %s could not be read: %s", user_id, problem)
    db.session.execute(update(Availability).where(Availability.user_id == user_id)
                       .values(calendar_error=problem[:500]))
    db.session.commit()
    return 0
