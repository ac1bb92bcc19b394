"""Reminders go out once, RAPPORT_MEETING_REMINDER_HOURS before the call, and only for calls
that still happen at that time."""

from datetime import timedelta

from sqlalchemy import select

from crm.extensions import db
from crm.models import OutboundEmail
from outreach import meetings
from outreach.reminders import queue_due_reminders
from tests.meetings.test_service import NEXT_WEEK


def reminders():
    return list(db.session.scalars(select(OutboundEmail.to_address).where(
        OutboundEmail.subject.startswith("Reminder: ")).order_by(OutboundEmail.id)))


def book(manager, partner):
    return meetings.schedule(partner, manager=manager, starts_at=NEXT_WEEK, duration_minutes=30)


def test_sent_once_from_exactly_24_hours_before(app, berlin_manager, la_partner):
    book(berlin_manager, la_partner)

    assert queue_due_reminders(NEXT_WEEK - timedelta(hours=24, seconds=1)) == []
    ids = queue_due_reminders(NEXT_WEEK - timedelta(hours=24))
    again = queue_due_reminders(NEXT_WEEK - timedelta(hours=2))

    assert len(ids) == 2 and again == []
    assert reminders() == ["Jamie@trailnotes.com", "mia@agency.example.com"]
    subjects = db.session.scalars(select(OutboundEmail.subject).where(
        OutboundEmail.id.in_(ids)).order_by(OutboundEmail.id)).all()
    assert subjects[0].endswith("Tue 17 Mar 2026, 08:00 (America/Los_Angeles)")


def test_not_sent_for_a_cancelled_call(app, berlin_manager, la_partner):
    meetings.cancel(book(berlin_manager, la_partner))

    assert queue_due_reminders(NEXT_WEEK - timedelta(hours=1)) == []


def test_a_moved_call_gets_a_reminder_for_its_new_time(app, berlin_manager, la_partner):
    meeting = book(berlin_manager, la_partner)
    queue_due_reminders(NEXT_WEEK - timedelta(hours=20))
    meetings.reschedule(meeting, starts_at=NEXT_WEEK + timedelta(days=2))

    assert queue_due_reminders(NEXT_WEEK - timedelta(hours=1)) == []
    assert len(queue_due_reminders(NEXT_WEEK + timedelta(days=1, hours=1))) == 2


def test_the_lead_time_is_a_setting(app, berlin_manager, la_partner):
    app.config["RAPPORT_MEETING_REMINDER_HOURS"] = 2
    book(berlin_manager, la_partner)

    assert queue_due_reminders(NEXT_WEEK - timedelta(hours=3)) == []
    assert len(queue_due_reminders(NEXT_WEEK - timedelta(hours=2))) == 2


def test_the_scheduler_tick_sends_them(app, clock, sink, workers, berlin_manager, la_partner):
    from outreach.scheduler import tick

    book(berlin_manager, la_partner)
    workers.drain()
    clock.set(NEXT_WEEK - timedelta(hours=23))

    tick()
    workers.drain()

    assert sorted(m["To"] for m in sink.received if m["Subject"].startswith("Reminder: ")) == [
        "Jamie Rivera <Jamie@trailnotes.com>", "Mia Schneider <mia@agency.example.com>"]
