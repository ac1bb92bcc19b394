"""Our invitations stored in a real CalDAV server (Radicale) and read back unchanged."""

import http.client
import uuid
from base64 import b64encode
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from outreach import meetings
from tests import services
from tests.meetings.test_invitation_email import HOSTILE, schedule_call
from tests.meetings.test_service import NEXT_WEEK


@pytest.fixture(scope="module")
def radicale():
    server = services.start_radicale()
    yield server
    server.stop()


class CalDav:
    """A fresh calendar collection for one test (a repeated UID in one collection is a 409)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.collection = f"/rapport/calls-{uuid.uuid4().hex}/"
        status, _ = self.request("MKCALENDAR", self.collection)
        assert status == 201, status

    def request(self, method: str, path: str, body: bytes = b"",
                content_type: str = "text/calendar; charset=utf-8") -> tuple[int, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        headers = {"Authorization": "Basic " + b64encode(b"rapport:x").decode(),
                   "Content-Type": content_type}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response.status, data

    def put(self, uid: str, ics: bytes) -> int:
        return self.request("PUT", f"{self.collection}{uid}.ics", _stored_form(ics))[0]

    def get(self, uid: str) -> Calendar:
        status, data = self.request("GET", f"{self.collection}{uid}.ics")
        assert status == 200, status
        return Calendar.from_ical(data)


def _stored_form(ics: bytes) -> bytes:
    # RFC 4791 4.1: a stored calendar object carries no METHOD (it is an iTIP transport field).
    calendar = Calendar.from_ical(ics)
    del calendar["method"]
    return calendar.to_ical()


def event_of(calendar: Calendar):
    [event] = calendar.walk("VEVENT")
    return event


def test_an_invitation_is_accepted_and_reads_back_with_the_same_instant(
        app, radicale, berlin_manager, la_partner):
    dav = CalDav(radicale.url)
    meeting = schedule_call(berlin_manager, la_partner, title=HOSTILE[:200])

    assert dav.put(meeting.uid, meetings.calendar_for(meeting)) == 201

    event = event_of(dav.get(meeting.uid))
    assert event["dtstart"].dt == datetime(2026, 3, 17, 15, 0, tzinfo=UTC) == meeting.starts_at
    assert str(event["uid"]) == meeting.uid
    assert str(event["summary"]) == meeting.title
    assert len(event["attendee"]) == 2


def test_a_moved_call_replaces_the_event_and_a_cancelled_one_says_so(
        app, radicale, berlin_manager, la_partner):
    dav = CalDav(radicale.url)
    meeting = schedule_call(berlin_manager, la_partner, starts_at=NEXT_WEEK)
    dav.put(meeting.uid, meetings.calendar_for(meeting))

    meetings.reschedule(meeting, starts_at=datetime(2026, 3, 29, 9, 30, tzinfo=UTC))
    assert dav.put(meeting.uid, meetings.calendar_for(meeting)) == 204
    moved = event_of(dav.get(meeting.uid))
    assert (moved["dtstart"].dt, int(moved["sequence"])) == (
        datetime(2026, 3, 29, 9, 30, tzinfo=UTC), 1)

    meetings.cancel(meeting)
    assert dav.put(meeting.uid, meetings.calendar_for(meeting)) == 204
    cancelled = event_of(dav.get(meeting.uid))
    assert (str(cancelled["status"]), int(cancelled["sequence"])) == ("CANCELLED", 2)
