"""Invitations as calendars read them: icalendar, an independent parser (vobject), exact fields."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject
from icalendar import Calendar

from outreach.invites import Invitation, Person, build_calendar

BERLIN = ZoneInfo("Europe/Berlin")


def invitation(**changes) -> Invitation:
    values = dict(
        uid="meeting-17@rapport.example.com", sequence=0, method="REQUEST",
        start=datetime(2026, 3, 12, 17, 0, tzinfo=BERLIN), duration=timedelta(minutes=30),
        summary="Onboarding call: Summit Outdoor", description="Agenda: links, creatives",
        location="https://meet.example.com/abc", url="https://meet.example.com/abc",
        organizer=Person("calendar@rapport.example.com", "Mia Manager"),
        manager=Person("mia@agency.example.com", "Mia Manager"),
        partner=Person("jamie@trailnotes.com", "Jamie Rivera"),
        stamp=datetime(2026, 3, 10, 14, 0, tzinfo=UTC),
    )
    values.update(changes)
    return Invitation(**values)


def event_of(data: bytes):
    calendar = Calendar.from_ical(data)
    return calendar, calendar.walk("VEVENT")[0]


def test_a_request_has_every_property_clients_need():
    calendar, event = event_of(build_calendar(invitation()))
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//Rapport//Onboarding calls//EN"
    assert event["UID"] == "meeting-17@rapport.example.com"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == datetime(2026, 3, 12, 16, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 3, 12, 16, 30, tzinfo=UTC)
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:calendar@rapport.example.com"
    attendees = {str(a): a.params for a in event["ATTENDEE"]}
    partner = attendees["mailto:jamie@trailnotes.com"]
    assert (partner["ROLE"], partner["PARTSTAT"], partner["RSVP"], partner["CN"]) == (
        "REQ-PARTICIPANT", "NEEDS-ACTION", "TRUE", "Jamie Rivera")
    assert attendees["mailto:mia@agency.example.com"]["ROLE"] == "CHAIR"
    assert event.walk("VALARM")[0].decoded("TRIGGER") == -timedelta(minutes=15)


def test_an_independent_parser_reads_the_same_instant():
    parsed = vobject.readOne(build_calendar(invitation()).decode(), validate=True)
    assert parsed.vevent.dtstart.value == datetime(2026, 3, 12, 16, 0, tzinfo=UTC)
    assert parsed.method.value == "REQUEST"


def test_a_cancel_keeps_the_uid_and_says_cancelled():
    calendar, event = event_of(build_calendar(invitation(method="CANCEL", sequence=2)))
    assert (calendar["METHOD"], event["STATUS"], event["SEQUENCE"]) == ("CANCEL", "CANCELLED", 2)
    assert event["UID"] == "meeting-17@rapport.example.com"


def test_a_call_on_a_dst_change_day_keeps_its_instant():
    # Europe switches to summer time on 2026-03-29: 10:00 CEST is 08:00 UTC.
    start = datetime(2026, 3, 29, 10, 0, tzinfo=BERLIN)
    _, event = event_of(build_calendar(invitation(start=start)))
    assert event.decoded("DTSTART") == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


HOSTILE = 'Jamie "JJ" Rivera;\r\nATTENDEE:mailto:evil@example.com,\\ Zoë ' + "x" * 300


def test_hostile_text_round_trips_and_adds_no_property():
    data = build_calendar(invitation(
        summary=HOSTILE, location=HOSTILE, description=HOSTILE,
        partner=Person("jamie@trailnotes.com", HOSTILE),
    ))
    calendar, event = event_of(data)
    # iCalendar text has one kind of line break; CRLF comes back as LF.
    expected = HOSTILE.replace("\r\n", "\n")
    assert str(event["SUMMARY"]) == expected
    assert str(event["LOCATION"]) == expected
    assert len(event["ATTENDEE"]) == 2
    assert b"evil@example.com" not in data.replace(b"\r\n ", b"").split(b"ATTENDEE")[0]
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    parsed = vobject.readOne(data.decode(), validate=True)
    assert parsed.vevent.summary.value == expected


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError):
        build_calendar(invitation(start=datetime(2026, 3, 12, 17, 0)))
