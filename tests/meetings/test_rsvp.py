"""The partner's Accept / Tentative / Decline, as calendar clients send it, through inbound."""

from email.message import EmailMessage

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import Interaction
from outreach import meetings
from outreach.inbound_apply import receive
from tests.meetings.test_service import NEXT_WEEK

_count = iter(range(1, 10_000))


def reply_mail(meeting, *, attendee="jamie@trailnotes.com", partstat="ACCEPTED",
               sequence=None, organizer=True, attach=False) -> bytes:
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
             "VERSION:2.0", "METHOD:REPLY", "BEGIN:VEVENT",
             "DTSTART:20260317T150000Z", "DTEND:20260317T153000Z", "DTSTAMP:20260311T090000Z",
             f"UID:{meeting.uid}",
             f"SEQUENCE:{meeting.sequence if sequence is None else sequence}",
             f"ATTENDEE;CN=Jamie Rivera;PARTSTAT={partstat}:mailto:{attendee}",
             "SUMMARY:Onboarding call", "END:VEVENT", "END:VCALENDAR", ""]
    if organizer:
        lines.insert(6, "ORGANIZER;CN=Mia Schneider:mailto:calls@rapport.example.com")
    ics = "\r\n".join(lines)
    message = EmailMessage()
    message["From"] = f"Jamie Rivera <{attendee}>"
    message["To"] = "calls@rapport.example.com"
    message["Subject"] = f"{partstat.title()}: Onboarding call"
    message["Message-ID"] = f"<rsvp{next(_count)}@calendar.google.com>"
    message.set_content(f"Jamie Rivera has {partstat.lower()} this invitation.")
    if attach:
        message.add_attachment(ics.encode(), maintype="application", subtype="ics",
                               filename="invite.ics")
    else:
        message.add_alternative(ics, subtype="calendar", params={"method": "REPLY"})
    return message.as_bytes()


@pytest.fixture
def meeting(app, berlin_manager, la_partner):
    return meetings.schedule(la_partner, manager=berlin_manager, starts_at=NEXT_WEEK,
                             duration_minutes=30)


def timeline(partner):
    return list(db.session.scalars(select(Interaction.summary).where(
        Interaction.partner_id == partner.id).order_by(Interaction.id)))


@pytest.mark.parametrize(("partstat", "words"), [
    ("ACCEPTED", "accepted"), ("TENTATIVE", "tentatively accepted"), ("DECLINED", "declined")])
def test_an_answer_updates_the_partstat_and_the_timeline(meeting, la_partner, partstat, words):
    received = receive(reply_mail(meeting, partstat=partstat))

    assert received.message.kind == "rsvp"
    assert received.effects == [f"rsvp_{partstat.lower()}"]
    assert meeting.partstat == partstat
    assert timeline(la_partner)[-1] == (
        f"Jamie Rivera {words} the onboarding call (Tue 17 Mar 2026, 08:00 (America/Los_Angeles))")


def test_the_attendee_address_matches_case_insensitively_and_as_an_attachment(meeting):
    received = receive(reply_mail(meeting, attendee="JAMIE@TrailNotes.COM", attach=True))

    assert (received.effects, meeting.partstat) == (["rsvp_accepted"], "ACCEPTED")


def test_a_reply_without_organizer_is_accepted(meeting):
    receive(reply_mail(meeting, organizer=False, partstat="DECLINED"))

    assert meeting.partstat == "DECLINED"


def test_a_reply_to_an_older_version_is_ignored(meeting):
    meetings.reschedule(meeting, starts_at=NEXT_WEEK.replace(hour=17))

    received = receive(reply_mail(meeting, sequence=0, partstat="DECLINED"))

    assert (received.effects, meeting.partstat) == (["rsvp_outdated"], "NEEDS-ACTION")


def test_a_reply_from_someone_else_changes_nothing(meeting, la_partner):
    before = timeline(la_partner)

    received = receive(reply_mail(meeting, attendee="intruder@example.com"))

    assert (received.effects, meeting.partstat) == (["rsvp_not_from_attendee"], "NEEDS-ACTION")
    assert received.message.partner_id is None
    assert timeline(la_partner) == before


def test_a_reply_to_an_unknown_event_is_kept_unmatched(meeting):
    raw = reply_mail(meeting).replace(meeting.uid.encode(), b"never-issued@example.com")

    received = receive(raw)

    assert received.message.kind == "unmatched"
