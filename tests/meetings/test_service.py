"""Scheduling rules, outcomes and the calendar feed token, without the network."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import Interaction, Meeting, OutboundEmail
from outreach import meetings
from tests.factories import make_partner, make_user

NEXT_WEEK = datetime(2026, 3, 17, 15, 0, tzinfo=UTC)


def book(manager, partner, **changes):
    values = dict(manager=manager, starts_at=NEXT_WEEK, duration_minutes=30, actor=manager)
    values.update(changes)
    return meetings.schedule(partner, **values)


def nothing_written():
    return (db.session.scalar(select(func.count(Meeting.id))),
            db.session.scalar(select(func.count(OutboundEmail.id))))


@pytest.mark.parametrize(("changes", "field"), [
    ({"starts_at": datetime(2026, 3, 10, 13, 0, tzinfo=UTC)}, "starts_at"),
    ({"starts_at": datetime(2026, 3, 17, 15, 0)}, "starts_at"),
    ({"duration_minutes": 4}, "duration_minutes"),
    ({"duration_minutes": 481}, "duration_minutes"),
    ({"video_url": "javascript:alert(1)"}, "video_url"),
    ({"location": "x" * 301}, "location"),
    ({"agenda": "x" * 5001}, "agenda"),
])
def test_bad_input_is_a_field_error_and_writes_nothing(app, berlin_manager, la_partner,
                                                        changes, field):
    with pytest.raises(InvalidInput) as error:
        book(berlin_manager, la_partner, **changes)

    assert field in error.value.fields
    db.session.rollback()
    assert nothing_written() == (0, 0)


def test_a_partner_without_email_cannot_be_invited(app, berlin_manager):
    partner = make_partner(email=None)

    with pytest.raises(InvalidInput) as error:
        book(berlin_manager, partner)

    assert set(error.value.fields) == {"email"}


def test_two_invitations_are_queued_one_on_the_partners_timeline(app, berlin_manager,
                                                                 la_partner):
    meeting = book(berlin_manager, la_partner)

    rows = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [(r.to_address, r.partner_id, r.meeting_id, r.calendar_method) for r in rows] == [
        ("Jamie@trailnotes.com", la_partner.id, meeting.id, "REQUEST"),
        ("mia@agency.example.com", None, meeting.id, "REQUEST"),
    ]
    assert (meeting.status, meeting.sequence, meeting.partstat) == (
        "scheduled", 0, "NEEDS-ACTION")


def test_a_cancelled_call_cannot_be_moved_or_cancelled_again(app, berlin_manager, la_partner):
    meeting = meetings.cancel(book(berlin_manager, la_partner), actor=berlin_manager)

    with pytest.raises(InvalidInput):
        meetings.cancel(meeting)
    with pytest.raises(InvalidInput):
        meetings.reschedule(meeting, starts_at=NEXT_WEEK + timedelta(days=1))
    assert meeting.sequence == 1


def test_moving_a_call_asks_the_partner_again(app, berlin_manager, la_partner):
    meeting = book(berlin_manager, la_partner)
    meeting.partstat = "ACCEPTED"
    db.session.commit()

    meetings.reschedule(meeting, starts_at=NEXT_WEEK + timedelta(hours=2), duration_minutes=60)

    assert (meeting.sequence, meeting.partstat, meeting.duration_minutes) == (
        1, "NEEDS-ACTION", 60)
    assert meeting.ends_at == NEXT_WEEK + timedelta(hours=3)


def test_a_held_call_can_make_the_partner_active(app, clock, berlin_manager, la_partner):
    meeting = book(berlin_manager, la_partner)
    clock.set(NEXT_WEEK + timedelta(hours=1))

    meetings.record_outcome(meeting, outcome="held", notes="Great fit; sending creatives.",
                            activate=True, actor=berlin_manager)

    assert (meeting.status, la_partner.stage) == ("held", "active")
    summaries = list(db.session.scalars(select(Interaction.summary).where(
        Interaction.partner_id == la_partner.id).order_by(Interaction.id)))
    assert "Onboarding call held" in summaries
    assert summaries[-1].startswith("Stage changed: ")


def test_an_outcome_waits_for_the_call(app, berlin_manager, la_partner):
    meeting = book(berlin_manager, la_partner)

    with pytest.raises(InvalidInput) as error:
        meetings.record_outcome(meeting, outcome="no_show")

    assert set(error.value.fields) == {"outcome"}


def test_the_ics_download_is_the_current_state(app, berlin_manager, la_partner):
    meeting = meetings.cancel(book(berlin_manager, la_partner))

    [event] = Calendar.from_ical(meetings.calendar_for(meeting)).walk("VEVENT")

    assert (str(event["status"]), int(event["sequence"])) == ("CANCELLED", 1)


def test_the_feed_lists_only_this_managers_calls_and_the_token_is_revocable(
        app, berlin_manager, la_partner):
    other = make_user(name="Other Manager")
    mine = book(berlin_manager, la_partner)
    book(other, make_partner())
    token = meetings.issue_calendar_token(berlin_manager)

    assert meetings.user_for_calendar_token(token) == berlin_manager
    feed = Calendar.from_ical(meetings.feed_for(berlin_manager))
    assert "method" not in feed
    assert [str(e["uid"]) for e in feed.walk("VEVENT")] == [mine.uid]
    assert berlin_manager.calendar_token_hash != token  # only a digest is stored

    newer = meetings.issue_calendar_token(berlin_manager)
    assert meetings.user_for_calendar_token(token) is None
    meetings.revoke_calendar_token(berlin_manager)
    assert meetings.user_for_calendar_token(newer) is None
    assert meetings.user_for_calendar_token("") is None
