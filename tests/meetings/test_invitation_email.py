"""The invitation as a real SMTP server receives it: MIME, METHOD, every property, both parsers."""

from datetime import UTC, datetime, timedelta
from email.utils import getaddresses

import pytest
import vobject
from icalendar import Calendar

from crm.extensions import db
from crm.models import Interaction, OutboundEmail
from outreach import meetings
from outreach.meeting_times import instant_from_local


def schedule_call(manager, partner, **changes):
    values = dict(
        manager=manager,
        starts_at=instant_from_local(datetime(2026, 3, 17, 16, 0), "Europe/Berlin"),
        duration_minutes=45, location="Zoom", video_url="https://zoom.us/j/123",
        agenda="Your links, creatives and first promotion.", title="Onboarding call",
        actor=manager)
    values.update(changes)
    return meetings.schedule(partner, **values)


def calendar_part(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part


def received_for(sink, address):
    return [m for m in sink.received if address.lower() in m["To"].lower()]


def test_the_partner_receives_an_invitation_gmail_and_outlook_recognise(
        app, sink, workers, berlin_manager, la_partner):
    meeting = schedule_call(berlin_manager, la_partner)
    workers.drain()

    [message] = received_for(sink, "jamie@trailnotes.com")
    # multipart/mixed [ multipart/alternative [ text, html, calendar ], invite.ics ]
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment = message.get_payload()
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain", "text/html", "text/calendar"]
    assert attachment.get_filename() == "invite.ics"
    part = calendar_part(message)
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    assert part.get_content_disposition() is None  # inline, not an attachment
    assert message["Subject"] == ("Invitation: Onboarding call — Tue 17 Mar 2026, 08:00 "
                                  "(America/Los_Angeles)")
    text = alternative.get_payload()[0].get_content()
    assert ("When: Tue 17 Mar 2026, 08:00 (America/Los_Angeles) · Tue 17 Mar 2026, 15:00 (UTC)"
            in text)

    data = part.get_payload(decode=True)
    calendar = Calendar.from_ical(data)
    assert str(calendar["method"]) == "REQUEST" == part.get_param("method")
    assert str(calendar["version"]) == "2.0"
    assert "Rapport" in str(calendar["prodid"])
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]) == meeting.uid and meeting.uid.endswith("@rapport.example.com")
    assert int(event["sequence"]) == 0
    assert event["dtstamp"].dt == datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    assert event["dtstart"].dt == datetime(2026, 3, 17, 15, 0, tzinfo=UTC)
    assert event["dtend"].dt == datetime(2026, 3, 17, 15, 45, tzinfo=UTC)
    assert str(event["organizer"]) == "mailto:calls@rapport.example.com"
    assert event["organizer"].params["CN"] == "Mia Schneider"
    chair, attendee = event["attendee"]
    assert (str(chair), chair.params["ROLE"]) == ("mailto:mia@agency.example.com", "CHAIR")
    assert str(attendee).lower() == "mailto:jamie@trailnotes.com"
    assert {k: attendee.params[k] for k in ("ROLE", "PARTSTAT", "RSVP", "CN")} == {
        "ROLE": "REQ-PARTICIPANT", "PARTSTAT": "NEEDS-ACTION", "RSVP": "TRUE",
        "CN": "Jamie Rivera"}
    assert str(event["summary"]) == "Onboarding call"
    assert "first promotion" in str(event["description"])
    assert str(event["location"]) == "Zoom"
    assert str(event["url"]) == "https://zoom.us/j/123"
    assert str(event["status"]) == "CONFIRMED"
    [alarm] = event.walk("VALARM")
    assert alarm["trigger"].dt == -timedelta(minutes=15)

    # A second, independent parser reads the same instant.
    parsed = vobject.readOne(data.decode(), validate=True)
    assert parsed.vevent.dtstart.value == datetime(2026, 3, 17, 15, 0, tzinfo=UTC)


def test_the_manager_gets_a_copy_for_their_own_calendar(
        app, sink, workers, berlin_manager, la_partner):
    schedule_call(berlin_manager, la_partner)
    workers.drain()

    [copy] = received_for(sink, "mia@agency.example.com")
    assert copy["Subject"].endswith("Tue 17 Mar 2026, 16:00 (Europe/Berlin)")
    assert calendar_part(copy).get_param("method") == "REQUEST"


def test_scheduling_lands_on_the_timeline_and_the_sent_invitation_too(
        app, sink, workers, berlin_manager, la_partner):
    schedule_call(berlin_manager, la_partner)
    workers.drain()

    summaries = list(db.session.scalars(db.select(Interaction.summary).where(
        Interaction.partner_id == la_partner.id).order_by(Interaction.id)))
    assert summaries == [
        "Onboarding call scheduled for Tue 17 Mar 2026, 08:00 (America/Los_Angeles)",
        "Invitation: Onboarding call — Tue 17 Mar 2026, 08:00 (America/Los_Angeles)",
    ]


def test_reschedule_keeps_the_uid_and_raises_the_sequence(
        app, sink, workers, berlin_manager, la_partner):
    meeting = schedule_call(berlin_manager, la_partner)
    meetings.reschedule(meeting, starts_at=datetime(2026, 3, 18, 16, 0, tzinfo=UTC),
                        actor=berlin_manager)
    workers.drain()

    # Two workers deliver in parallel: order the two by SEQUENCE, not by arrival.
    first, moved = sorted(received_for(sink, "jamie@trailnotes.com"),
                          key=lambda m: m["Subject"].startswith("Updated"))
    events = [Calendar.from_ical(calendar_part(m).get_payload(decode=True)).walk("VEVENT")[0]
              for m in (first, moved)]
    assert [str(e["uid"]) for e in events] == [meeting.uid, meeting.uid]
    assert [int(e["sequence"]) for e in events] == [0, 1]
    assert events[1]["dtstart"].dt == datetime(2026, 3, 18, 16, 0, tzinfo=UTC)
    assert moved["Subject"].startswith("Updated invitation: ")
    assert calendar_part(moved).get_param("method") == "REQUEST"


def test_cancel_sends_a_cancel_with_the_same_uid(app, sink, workers, berlin_manager, la_partner):
    meeting = schedule_call(berlin_manager, la_partner)
    meetings.cancel(meeting, actor=berlin_manager, reason="Jamie is travelling")
    workers.drain()

    [cancelled] = [m for m in received_for(sink, "jamie@trailnotes.com")
                   if m["Subject"].startswith("Cancelled: ")]
    part = calendar_part(cancelled)
    calendar = Calendar.from_ical(part.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert part.get_param("method") == str(calendar["method"]) == "CANCEL"
    assert (str(event["uid"]), int(event["sequence"]), str(event["status"])) == (
        meeting.uid, 1, "CANCELLED")
    assert "Jamie is travelling" in cancelled.get_body(("plain",)).get_content()
    statuses = set(db.session.scalars(db.select(OutboundEmail.status)))
    assert statuses == {"sent"}


HOSTILE = 'Jamie "JJ" Rivera;\r\nBCC: evil@example.com, Zoë 東京 ' + "x" * 100


def test_hostile_text_reaches_no_header_and_no_property(
        app, sink, workers, berlin_manager):
    from tests.factories import make_partner

    partner = make_partner(name=HOSTILE, email="jj@example.org", timezone="America/Los_Angeles")
    meeting = schedule_call(berlin_manager, partner, title="Call; with, commas\r\nBCC: x@y.z",
                            location="Room 1;\nATTENDEE:mailto:evil@example.com",
                            agenda="Line one\r\nEND:VEVENT\r\nBEGIN:VEVENT\n" + "é" * 4900)
    workers.drain()

    [message] = received_for(sink, "jj@example.org")
    assert message["Bcc"] is None
    assert [address for _, address in getaddresses([message["To"]])] == ["jj@example.org"]
    assert "\n" not in message["Subject"]
    data = calendar_part(message).get_payload(decode=True)
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")  # no second event smuggled in
    assert len(event["attendee"]) == 2
    assert str(event["summary"]) == meeting.title == "Call; with, commas BCC: x@y.z"
    assert str(event["location"]) == "Room 1; ATTENDEE:mailto:evil@example.com"
    assert str(event["description"]).startswith("Line one\nEND:VEVENT\nBEGIN:VEVENT\néé")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))
    vobject.readOne(data.decode(), validate=True)


@pytest.mark.parametrize(("picked", "instant", "partner_clock"), [
    # 8 Mar 2026: Los Angeles moves to summer time; Berlin has not.
    (datetime(2026, 3, 8, 18, 0), datetime(2026, 3, 8, 17, 0, tzinfo=UTC), "10:00"),
    # 29 Mar 2026: Berlin moves to summer time.
    (datetime(2026, 3, 29, 18, 0), datetime(2026, 3, 29, 16, 0, tzinfo=UTC), "09:00"),
])
def test_a_call_on_a_dst_change_day_arrives_at_the_right_instant(
        app, clock, sink, workers, berlin_manager, la_partner, picked, instant, partner_clock):
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))  # booked the week before
    schedule_call(berlin_manager, la_partner,
                  starts_at=instant_from_local(picked, "Europe/Berlin"))
    workers.drain()

    [message] = received_for(sink, "jamie@trailnotes.com")
    [event] = Calendar.from_ical(calendar_part(message).get_payload(decode=True)).walk("VEVENT")
    assert event["dtstart"].dt == instant
    assert f", {partner_clock} (America/Los_Angeles)" in message["Subject"]
