"""Welcome sequences from enrollment to the SMTP server, through the outbox and Dramatiq."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Enrollment, Interaction, OutboundEmail, Suppression
from outreach import outbox, tick_helpers
from outreach.enrollments import enroll
from outreach.scheduler import tick
from outreach.suppressions import suppress
from tests.factories import make_client, make_partner

BERLIN_PARTNER = dict(name="Jamie Rivera", email="Jamie@TrailNotes.com", timezone="Europe/Berlin")


def statuses():
    return list(db.session.scalars(select(OutboundEmail.status).order_by(OutboundEmail.id)))


def test_the_default_sequence_arrives_step_by_step(app, clock, sink, workers, manager):
    # Given a partner in Berlin enrolled on Tuesday 15:00 local time
    partner = make_partner(**BERLIN_PARTNER, owner_id=manager.id, company="Trail Notes")
    client = make_client(name="Summit Outdoor")
    enroll(partner, client, manager)
    # When the scheduler ticks now, and again three and seven days later
    start = clock.now()
    for days in (0, 3, 7):
        clock.set(start + timedelta(days=days))
        tick()
        workers.drain()
    # Then three personal emails arrived, in order, with the headers receivers need
    subjects = [m["Subject"] for m in sink.received]
    assert subjects == [
        "Welcome to the Summit Outdoor partner program, Jamie!",
        "Your Summit Outdoor links and the creatives that convert",
        "15 minutes to plan your first Summit Outdoor promotion?",
    ]
    first = sink.received[0]
    assert first["To"] == "Jamie Rivera <Jamie@trailnotes.com>"
    assert first["From"] == "Mia Manager <partners@rapport.example.com>"
    assert first["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert [p.get_content_type() for p in first.iter_parts()] == ["text/plain", "text/html"]
    assert "Hi Jamie," in first.get_body(("plain",)).get_content()
    ids = {m["Message-ID"] for m in sink.received}
    assert ids == set(db.session.scalars(select(OutboundEmail.message_id)))
    assert statuses() == ["sent", "sent", "sent"]
    enrollment = db.session.scalar(select(Enrollment))
    assert (enrollment.status, enrollment.stop_reason) == ("completed", "completed")
    sent = db.session.scalars(select(Interaction.summary).where(Interaction.kind == "email"))
    assert len(list(sent)) == 3


def test_a_second_delivery_of_the_same_message_sends_once(app, sink, workers, manager):
    enroll(make_partner(**BERLIN_PARTNER), None, manager)
    tick(dispatch=lambda ids: None)
    (outbound_id,) = db.session.scalars(select(OutboundEmail.id))
    actor = app.extensions["rapport.actors"]["send_emails"]
    actor.send([outbound_id])
    actor.send([outbound_id])
    workers.drain()
    assert len(sink.received) == 1
    assert db.session.get(OutboundEmail, outbound_id).attempts == 1


def test_a_451_is_retried_and_sent_once(app, clock, sink, workers, manager):
    sink.reply_to_rcpt("jamie@trailnotes.com", "451 4.7.1 Greylisted")
    enroll(make_partner(**BERLIN_PARTNER), None, manager)
    tick()
    workers.drain()
    row = db.session.scalar(select(OutboundEmail))
    assert (row.status, row.attempts, sink.received) == ("queued", 1, [])
    assert "451" in row.last_error
    # When the retry time has come (the actor's delayed message, or the tick's re-dispatch)
    clock.set(clock.now() + timedelta(hours=1))
    tick()
    workers.drain()
    db.session.refresh(row)
    assert (row.status, row.attempts, len(sink.received)) == ("sent", 2, 1)


def test_a_550_fails_suppresses_and_is_never_retried(app, clock, sink, workers, manager):
    sink.reply_to_rcpt("jamie@trailnotes.com", "550 5.1.1 No such user")
    partner = make_partner(**BERLIN_PARTNER)
    enroll(partner, None, manager)
    tick()
    workers.drain()
    clock.set(clock.now() + timedelta(days=8))
    tick()
    workers.drain()
    assert statuses() == ["bounced"]
    assert db.session.scalar(select(OutboundEmail.attempts)) == 1
    assert db.session.scalar(select(Suppression.reason)) == "hard_bounce"
    enrollment = db.session.scalar(select(Enrollment))
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", "bounce")
    assert sink.received == []


def test_unsubscribe_mid_sequence_stops_even_an_already_queued_step(
    app, clock, sink, workers, manager
):
    partner = make_partner(**BERLIN_PARTNER)
    enroll(partner, None, manager)
    tick()
    workers.drain()
    # Step 2 becomes due and is queued, but the broker has not delivered it yet...
    clock.set(clock.now() + timedelta(days=3))
    queued = []
    tick(dispatch=queued.extend)
    assert statuses() == ["sent", "queued"]
    # ...when the partner unsubscribes
    suppress("JAMIE@trailnotes.com", "unsubscribed")
    app.extensions["rapport.actors"]["send_emails"].send([queued[0]])
    workers.drain()
    clock.set(clock.now() + timedelta(days=5))
    tick()
    workers.drain()
    assert len(sink.received) == 1
    assert statuses() == ["sent", "cancelled"]
    assert db.session.scalar(select(Enrollment.stop_reason)) == "unsubscribe"


def test_a_step_due_at_night_waits_for_the_partners_morning(app, clock, sink, workers, manager):
    # 14:00 UTC is 06:00 in Los Angeles: too early.
    partner = make_partner(name="Lee", email="lee@lablog.com", timezone="America/Los_Angeles")
    enroll(partner, None, manager)
    assert tick() == 0
    enrollment = db.session.scalar(select(Enrollment))
    assert enrollment.next_due_at.isoformat() == "2026-03-10T16:00:00+00:00"
    clock.set(enrollment.next_due_at)
    assert tick() == 1


def test_the_tick_creates_no_second_row_for_a_step(app, clock, manager):
    enroll(make_partner(**BERLIN_PARTNER), None, manager)
    tick(dispatch=lambda ids: None)
    enrollment = db.session.scalar(select(Enrollment))
    # Simulate a scheduler that crashed after queueing but before advancing the enrollment.
    enrollment.next_position, enrollment.next_due_at = 1, clock.now()
    db.session.commit()
    tick(dispatch=lambda ids: None)
    assert db.session.scalar(select(func.count(OutboundEmail.id))) == 1


def test_an_expired_claim_is_sent_again_with_the_same_message_id(app, clock, sink, workers,
                                                                 manager):
    enroll(make_partner(**BERLIN_PARTNER), None, manager)
    tick(dispatch=lambda ids: None)
    row = db.session.scalar(select(OutboundEmail))
    # A worker claimed it and died.
    with db.engine.connect() as connection:
        assert outbox.claim(connection, [row.id], clock.now(), timedelta(minutes=5))
    clock.set(clock.now() + timedelta(minutes=10))
    tick()
    workers.drain()
    assert [m["Message-ID"] for m in sink.received] == [row.message_id]


@pytest.mark.parametrize("processes", [1, 2])
def test_a_tick_over_many_batches_queues_each_due_step_exactly_once(app, manager, monkeypatch,
                                                                    request, processes):
    # Given 9 partners enrolled, and batches of 2 (so the tick's sessions, in a helper process
    # or, on PostgreSQL, in a thread, take batches side by side)
    from outreach import scheduler

    monkeypatch.setattr(scheduler, "BATCH", 2)
    app.config["RAPPORT_TICK_PROCESSES"] = processes
    request.addfinalizer(lambda: tick_helpers.stop(app))
    enrollments = [enroll(make_partner(name=f"P{n}", email=f"p{n}@shop.com",
                                       timezone="Europe/Berlin"), None, manager)
                   for n in range(9)]
    dispatched = []
    # When the scheduler ticks
    queued = tick(dispatch=dispatched.extend)
    # Then every enrollment got its first step once, all were handed over, all advanced
    rows = db.session.execute(select(OutboundEmail.id, OutboundEmail.enrollment_id)).all()
    assert queued == 9 and len(rows) == 9
    assert sorted(r.enrollment_id for r in rows) == sorted(e.id for e in enrollments)
    assert sorted(dispatched) == sorted(r.id for r in rows)
    db.session.expire_all()
    assert {e.next_position for e in db.session.scalars(select(Enrollment))} == {2}


def test_a_helper_process_queues_due_batches_and_hands_back_their_ids(app, clock, manager):
    app.config["RAPPORT_TICK_PROCESSES"] = 2
    enrollments = [enroll(make_partner(name=f"P{n}", email=f"p{n}@shop.com",
                                       timezone="Europe/Berlin"), None, manager)
                   for n in range(5)]
    try:
        # The helper alone, in its own process and app: everything it queued comes back.
        ids = tick_helpers.collect(app, tick_helpers.submit(app, clock.now(), 2, [None]))
        rows = db.session.execute(select(OutboundEmail.id, OutboundEmail.enrollment_id)).all()
        assert sorted(ids) == sorted(r.id for r in rows)
        assert sorted(r.enrollment_id for r in rows) == sorted(e.id for e in enrollments)
        # Nothing is left for the next tick, which runs with the same helper.
        assert tick(dispatch=lambda ids: None) == 0
        assert "rapport.tick_helpers" in app.extensions
    finally:
        tick_helpers.stop(app)
