"""Booking through the service: the same invitation as a manager's call, the follow-up
cleared in the same transaction, and every refusal saying why and writing nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm import clock
from crm.booking import links, service
from crm.booking.availability import save_availability
from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import Availability, FollowUp, Interaction, Meeting, OutboundEmail, Partner
from outreach import meetings
from outreach.personalize import context_for
from tests.booking.conftest import WEDNESDAY_TEN, utc
from tests.factories import make_partner


def counts() -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (Meeting, OutboundEmail, Partner))


def open_flag(partner) -> FollowUp:
    flag = FollowUp(partner_id=partner.id, rule="no_call_booked", weight=3, status="open",
                    reason="In onboarding 7+ days, no onboarding call booked",
                    due_at=clock.now(), created_at=clock.now(), resolution="")
    db.session.add(flag)
    db.session.commit()
    return flag


def test_a_booking_sends_the_invitation_clears_the_flag_and_shows_on_the_timeline(
        app, host, partner):
    flag = open_flag(partner)

    meeting = service.book(partner, host, WEDNESDAY_TEN, note="Coupon codes?")

    assert (meeting.booked_via, meeting.status, meeting.sequence) == ("partner_link",
                                                                      "scheduled", 0)
    assert (meeting.manager_id, meeting.duration_minutes) == (host.manager.id, 30)
    assert (meeting.video_url, meeting.agenda) == ("https://meet.example.com/mia",
                                                   "Coupon codes?")
    emails = db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.id)).all()
    assert [(e.to_address, e.calendar_method) for e in emails] == [
        ("jamie@trailnotes.com", "REQUEST"), ("mia@agency.example.com", "REQUEST")]
    # The partner's copy carries the link to move or cancel; the manager's does not.
    assert links.call_link(meeting.id).split(".")[0] in emails[0].text_body
    assert "/book/call/" not in emails[1].text_body
    db.session.refresh(flag)
    assert (flag.status, flag.resolution) == ("resolved", "call booked by the partner")
    summary = db.session.scalar(select(Interaction.summary).where(
        Interaction.partner_id == partner.id))
    assert summary == ("Onboarding call booked by the partner for "
                       "Wed 11 Mar 2026, 05:00 (America/New_York)")


def test_a_slot_taken_by_a_call_the_manager_scheduled_is_refused(app, host, partner):
    other = make_partner(owner_id=host.manager.id)
    meetings.schedule(other, manager=host.manager, starts_at=WEDNESDAY_TEN + timedelta(
        minutes=15), duration_minutes=30)
    before = counts()

    with pytest.raises(service.SlotTaken) as refused:
        service.book(partner, host, WEDNESDAY_TEN)

    assert refused.value.fields == {"start": "that time was just taken"}
    assert counts() == before


REFUSED = [
    (utc(2026, 3, 10, 13, 0), "that time has passed"),
    (utc(2026, 3, 10, 16, 0), "book at least 12 hours ahead"),
    (utc(2026, 3, 11, 11, 30), "Mia Schneider does not take calls then"),  # lunch
    (utc(2026, 3, 11, 9, 10), "Mia Schneider does not take calls then"),   # off the grid
    (utc(2026, 3, 14, 9, 0), "Mia Schneider does not take calls then"),    # Saturday
]


def test_a_time_outside_the_rules_is_refused_with_the_reason(app, host, partner):
    reasons = []
    for start, _ in REFUSED:
        with pytest.raises(InvalidInput) as refused:
            service.book(partner, host, start)
        reasons.append(refused.value.fields)

    assert reasons == [{"start": reason} for _, reason in REFUSED]
    assert counts() == (0, 0, 1)


def test_a_wall_clock_time_in_the_spring_gap_is_refused_and_an_instant_is_taken_as_is():
    with pytest.raises(InvalidInput) as refused:
        service.parse_start("2026-03-29T02:30", "Europe/Berlin")

    assert "does not exist" in refused.value.fields["start"]
    assert service.parse_start("2026-03-29T00:30Z", "Europe/Berlin") == utc(2026, 3, 29, 0, 30)
    assert service.parse_start("2026-03-11T10:00", "Europe/Berlin") == WEDNESDAY_TEN
    with pytest.raises(InvalidInput):
        service.parse_start("next tuesday", "Europe/Berlin")


def test_the_partner_moves_the_call_with_sequence_plus_one_then_cancels_it(app, host,
                                                                            partner):
    meeting = service.book(partner, host, WEDNESDAY_TEN)
    # Its own time does not block the move to the next half hour
    service.reschedule(meeting, host, WEDNESDAY_TEN + timedelta(minutes=30))

    assert (meeting.sequence, meeting.starts_at) == (1, WEDNESDAY_TEN + timedelta(minutes=30))
    service.cancel(meeting, reason="Something came up")

    assert (meeting.status, meeting.sequence) == ("cancelled", 2)
    methods = db.session.execute(select(OutboundEmail.to_address, OutboundEmail.calendar_method)
                                 .order_by(OutboundEmail.id)).all()
    assert [m for _, m in methods] == ["REQUEST"] * 4 + ["CANCEL"] * 2
    summaries = db.session.scalars(select(Interaction.summary).where(
        Interaction.partner_id == partner.id).order_by(Interaction.id)).all()
    assert summaries[1].startswith("Onboarding call moved by the partner: Wed 11 Mar 2026, "
                                   "05:00 (America/New_York) → Wed 11 Mar 2026, 05:30")
    assert summaries[2].startswith("Onboarding call cancelled by the partner")
    # A cancelled call frees its slot again
    assert WEDNESDAY_TEN in {slot.start for slot in service.open_slots(host)}


def test_a_call_the_manager_scheduled_cannot_be_moved_from_a_booking_page(app, host, partner):
    meeting = meetings.schedule(partner, manager=host.manager, starts_at=WEDNESDAY_TEN,
                                duration_minutes=30)

    with pytest.raises(service.NotBookable):
        service.reschedule(meeting, host, WEDNESDAY_TEN + timedelta(hours=1))
    assert meeting.sequence == 0


def test_a_new_contact_on_the_general_link_becomes_the_managers_prospect(app, host):
    meeting = service.book_new_contact(host, " Lena  Loop ", "Lena@Loop.example.com",
                                       "Asia/Tokyo", WEDNESDAY_TEN)

    partner = meeting.partner
    assert (partner.name, partner.email, partner.stage, partner.owner_id) == (
        "Lena Loop", "Lena@loop.example.com", "prospect", host.manager.id)
    assert (partner.source, partner.timezone, meeting.booked_via) == ("inbound", "Asia/Tokyo",
                                                                      "general_link")
    assert db.session.scalars(select(Interaction.summary).where(
        Interaction.partner_id == partner.id).order_by(Interaction.id)).all()[0] == "Partner added"


def test_a_known_email_on_the_general_link_books_for_that_partner(app, host, partner):
    meeting = service.book_new_contact(host, "J. Rivera", "JAMIE@trailnotes.com", "UTC",
                                       WEDNESDAY_TEN)

    assert meeting.partner_id == partner.id
    assert counts()[2] == 1


def test_a_general_booking_with_bad_details_writes_nothing(app, host):
    with pytest.raises(InvalidInput) as refused:
        service.book_new_contact(host, "", "not-an-email", "UTC", WEDNESDAY_TEN,
                                 note="x" * 1001)

    assert set(refused.value.fields) == {"name", "email", "note"}
    assert counts() == (0, 0, 0)


def test_availability_is_checked_field_by_field_and_saved_all_or_nothing(app, host_manager):
    values = {"hours_0": "09:00-12:00, 11:00-13:00", "hours_1": "13:00-09:00",
              "hours_2": "09:00-09:15", "call_minutes": "30", "buffer_minutes": "x",
              "notice_hours": "48", "horizon_days": "1", "max_per_day": "51",
              "dates_off": "tomorrow", "video_url": "ftp://x"}

    with pytest.raises(InvalidInput) as refused:
        save_availability(host_manager, values)

    assert refused.value.fields == {
        "hours_0": "09:00-12:00 and 11:00-13:00 overlap",
        "hours_1": "13:00-09:00 ends before it starts",
        "hours_2": "09:00-09:15 is shorter than one 30-minute call",
        "buffer_minutes": "enter a whole number",
        "max_per_day": "must be between 0 and 50",
        "notice_hours": "must be shorter than how far ahead people can book",
        "dates_off": "line 1: “tomorrow” is not a date like 2026-04-03 or a range like "
                     "2026-08-03 to 2026-08-14",
        "video_url": "must be an http:// or https:// link",
    }
    db.session.rollback()
    assert db.session.get(Availability, host_manager.id).weekly_hours["1"] == [[540, 720],
                                                                                [780, 1020]]


def test_welcome_templates_get_a_working_booking_link_for_the_partner(app, partner):
    context = context_for(partner, partner.owner, None, "https://x.example/u")

    token = context["booking_link"].rsplit("/", 1)[1]
    assert context["booking_link"].startswith("http://127.0.0.1:5000/book/p/")
    assert links.partner_from_token(token) == partner.id
    assert links.meeting_from_token(token) is None  # a partner token opens no call
