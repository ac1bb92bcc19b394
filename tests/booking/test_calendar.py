"""Busy times from the manager's own calendar: a plain ICS file served here, and a real
CalDAV server (Radicale); recurring events expanded, free and cancelled ones ignored."""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from crm import clock
from crm.booking import service
from crm.booking.availability import save_calendar
from crm.extensions import db
from crm.models import Availability, BusyTime
from outreach import busy_calendars, meetings
from tests.booking.conftest import WEDNESDAY_TEN, utc
from tests.factories import make_partner
from tests.meetings.test_caldav import CalDav, radicale  # noqa: F401  (the fixture)

BERLIN_TZ = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""


def event(uid: str, lines: str) -> str:
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260301T000000Z\n{lines.strip()}\n"
            "END:VEVENT")


# A weekly team meeting on Wednesdays 10:00-11:00 Berlin (one week moved to 14:00), an
# opaque all-day offsite on Thursday 12 March, a "free" focus block, a cancelled event.
STANDUP = event("team@example.com", """
DTSTART;TZID=Europe/Berlin:20260304T100000
DTEND;TZID=Europe/Berlin:20260304T110000
RRULE:FREQ=WEEKLY;BYDAY=WE
SUMMARY:Team meeting""")
MOVED = event("team@example.com", """
RECURRENCE-ID;TZID=Europe/Berlin:20260318T100000
DTSTART;TZID=Europe/Berlin:20260318T140000
DTEND;TZID=Europe/Berlin:20260318T150000
SUMMARY:Team meeting (moved)""")
OFFSITE = event("offsite@example.com", """
DTSTART;VALUE=DATE:20260312
DTEND;VALUE=DATE:20260313
SUMMARY:Offsite""")
FOCUS = event("focus@example.com", """
DTSTART:20260313T080000Z
DTEND:20260313T100000Z
TRANSP:TRANSPARENT
SUMMARY:Focus (free)""")
CANCELLED = event("dentist@example.com", """
DTSTART:20260316T080000Z
DTEND:20260316T090000Z
STATUS:CANCELLED
SUMMARY:Dentist""")


def calendar(*events: str) -> bytes:
    body = "\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tests//Busy//EN",
                      "METHOD:PUBLISH", BERLIN_TZ,
                      *events, "END:VCALENDAR"])
    return body.replace("\n", "\r\n").encode()


@pytest.fixture
def ics_server():
    """An ICS file behind basic auth on a loopback port: GET answers, REPORT is unknown."""
    served = {"body": calendar(STANDUP, MOVED, OFFSITE, FOCUS, CANCELLED)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            expected = "Basic " + base64.b64encode(b"mia:s3cret").decode()
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            self.wfile.write(served["body"])

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served["url"] = f"http://127.0.0.1:{server.server_port}/private/basic.ics"
    yield served
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def busy_times(user) -> list[tuple]:
    return [(b.starts_at, b.ends_at) for b in db.session.scalars(
        select(BusyTime).where(BusyTime.user_id == user.id).order_by(BusyTime.starts_at))]


def test_an_ics_calendar_blocks_its_busy_times_and_nothing_else(app, host, ics_server):
    # Given the manager's private ICS address with a user name and password
    save_calendar(host.manager, ics_server["url"], "mia", "s3cret")
    stored = db.session.get(Availability, host.manager.id).calendar_password
    assert stored and "s3cret" not in stored  # encrypted at rest

    # When a worker reads it
    assert busy_calendars.refresh(host.manager.id) == 4

    # Then the team meeting recurs (with its moved week), the offsite takes the Berlin day,
    # and the free block and the cancelled event take nothing
    assert busy_times(host.manager) == [
        (utc(2026, 3, 11, 9, 0), utc(2026, 3, 11, 10, 0)),
        (utc(2026, 3, 11, 23, 0), utc(2026, 3, 12, 23, 0)),
        (utc(2026, 3, 18, 13, 0), utc(2026, 3, 18, 14, 0)),
        (utc(2026, 3, 25, 9, 0), utc(2026, 3, 25, 10, 0)),
    ]
    free = {slot.start for slot in service.open_slots(host)}
    assert WEDNESDAY_TEN not in free and utc(2026, 3, 11, 8, 0) in free
    assert not any(utc(2026, 3, 11, 23) <= start < utc(2026, 3, 12, 23) for start in free)
    assert utc(2026, 3, 13, 8, 0) in free and utc(2026, 3, 16, 8, 0) in free
    availability = db.session.get(Availability, host.manager.id)
    assert (availability.calendar_error, availability.calendar_read_at) == ("", clock.now())


def test_a_calendar_that_fails_keeps_the_last_busy_times_and_says_why(app, host, ics_server):
    save_calendar(host.manager, ics_server["url"], "mia", "s3cret")
    busy_calendars.refresh(host.manager.id)

    save_calendar(host.manager, ics_server["url"], "mia", "wrong")
    assert busy_calendars.refresh(host.manager.id) == 0

    availability = db.session.get(Availability, host.manager.id)
    assert availability.calendar_error == "The calendar refused the user name or password."
    assert len(busy_times(host.manager)) == 4
    # An unreachable address says so too; an empty one stops reading and forgets them
    save_calendar(host.manager, "http://127.0.0.1:9/gone.ics", "", None)
    busy_calendars.refresh(host.manager.id)
    assert db.session.get(Availability, host.manager.id).calendar_error.startswith(
        "The calendar could not be reached")
    save_calendar(host.manager, "", "", None)
    assert busy_times(host.manager) == []


def test_the_tick_hands_each_due_calendar_to_a_worker_once_an_interval(app, host, clock):
    save_calendar(host.manager, "https://calendar.example.com/mia.ics", "", "")
    now = clock.now()

    assert busy_calendars.queue_reads(now) == []  # saving asked for a read just now
    assert busy_calendars.queue_reads(now + timedelta(minutes=15)) == [host.manager.id]
    assert busy_calendars.queue_reads(now + timedelta(minutes=16)) == []
    broker = app.extensions["rapport.broker"]
    assert broker.queues["calendars"].qsize() == 2  # the save's read and the tick's


def test_a_caldav_calendar_is_asked_for_the_window_and_its_rules_expanded(
        app, host, radicale):  # noqa: F811
    # Given a daily 08:00-08:30 UTC event, and a copy of a Rapport call, in a CalDAV calendar
    dav = CalDav(radicale.url)
    daily = event("daily@example.com", """
DTSTART:20260309T080000Z
DTEND:20260309T083000Z
RRULE:FREQ=DAILY;COUNT=10""")
    partner = make_partner(owner_id=host.manager.id)
    call = meetings.schedule(partner, manager=host.manager, starts_at=WEDNESDAY_TEN,
                             duration_minutes=30)
    assert dav.put("daily", calendar(daily)) == 201
    assert dav.put("ours", meetings.calendar_for(call)) == 201
    save_calendar(host.manager, radicale.url + dav.collection, "rapport", "x")

    assert busy_calendars.refresh(host.manager.id) == 9  # 10-18 March; 9 March is past

    # (asked with a calendar-query REPORT, not read as a whole file)
    asked = busy_calendars._caldav_query(radicale.url + dav.collection, "rapport", "x",
                                         clock.now(), clock.now() + timedelta(days=3))
    assert asked is not None and len(asked) == 2  # the daily series and our call's copy

    assert busy_times(host.manager)[0] == (utc(2026, 3, 10, 8, 0), utc(2026, 3, 10, 8, 30))
    free = {slot.start for slot in service.open_slots(host)}
    assert utc(2026, 3, 12, 8, 0) not in free and utc(2026, 3, 19, 8, 0) in free
