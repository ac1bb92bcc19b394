"""Inbound mail end to end: a welcome email goes out through SMTP, then what comes back."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import Enrollment, InboundMessage, Interaction, OutboundEmail, Suppression
from outreach.default_sequence import NAME as SEQUENCE
from outreach.enrollments import enroll
from outreach.inbound import MAX_BYTES
from outreach.inbound_apply import MessageTooLarge, raw_text, receive
from outreach.scheduler import tick
from tests.factories import make_client, make_partner
from tests.outreach.mail import load

JAMIE = "jamie@trailnotes.com"
WELCOME = "Welcome to the Summit Outdoor partner program, Jamie!"


@pytest.fixture
def welcomed(app, sink, workers, manager):
    """Jamie is in the welcome sequence and step 1 reached the SMTP server; its Message-ID."""
    partner = make_partner(name="Jamie Rivera", email="Jamie@TrailNotes.com",
                           timezone="Europe/Berlin", owner_id=manager.id)
    enroll(partner, make_client(name="Summit Outdoor"), manager)
    tick()
    workers.drain()
    (message,) = sink.received
    assert message["Subject"] == WELCOME
    return message["Message-ID"]


def later_steps_sent(clock, sink, workers) -> int:
    """Move to day 3 and day 7 of the sequence, tick, and count what else arrived."""
    before = len(sink.received)
    start = clock.now()
    for days in (3, 7):
        clock.set(start + timedelta(days=days))
        tick()
        workers.drain()
    return len(sink.received) - before


def enrollment() -> Enrollment:
    return db.session.scalar(select(Enrollment))


def outbound() -> OutboundEmail:
    return db.session.scalar(select(OutboundEmail).order_by(OutboundEmail.id))


def events() -> list[str]:
    return list(db.session.scalars(
        select(Interaction.summary).where(Interaction.kind == "system").order_by(Interaction.id)
    ))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_reply_is_logged_on_the_timeline_and_stops_the_sequence(app, clock, sink, workers,
                                                                  welcomed):
    received = receive(load("gmail_reply.eml", welcomed))

    assert received.as_dict() == {
        "id": received.message.id, "kind": "reply", "partner_id": enrollment().partner_id,
        "outbound_email_id": outbound().id, "effects": ["reply_logged", "enrollments_stopped:1"],
        "duplicate": False,
    }
    reply = db.session.scalar(select(Interaction).where(Interaction.direction == "inbound"))
    assert (reply.kind, reply.summary) == ("email", f"Re: {WELCOME}")
    assert reply.body == ("Hi Mia,\n\nThanks for the warm welcome! Happy to set up a call — "
                          "Thursday afternoon works for me.\n\nJamie")
    # Dated tomorrow by Jamie's clock, so it lands on the timeline now, not in the future.
    assert reply.occurred_at == clock.now()
    assert enrollment().partner.last_interaction_at == clock.now()
    assert (enrollment().status, enrollment().stop_reason) == ("stopped", "reply")
    assert events()[-1] == f"Sequence '{SEQUENCE}' stopped: reply"
    assert later_steps_sent(clock, sink, workers) == 0


def test_an_out_of_office_is_noted_and_the_sequence_goes_on(app, clock, sink, workers, welcomed):
    received = receive(load("outlook_out_of_office.eml", welcomed))

    assert (received.message.kind, received.effects) == ("auto_reply", ["auto_reply_logged"])
    assert received.message.outbound_email_id == outbound().id
    assert events()[-1] == f"Auto-reply received: Automatic reply: {WELCOME}"
    assert enrollment().status == "active"
    assert enrollment().partner.last_interaction_at is None
    assert later_steps_sent(clock, sink, workers) == 2


def test_a_hard_bounce_suppresses_the_address_stops_the_sequence_and_marks_the_email(
    app, clock, sink, workers, welcomed
):
    received = receive(load("postfix_hard_bounce.eml", welcomed))

    email = outbound()
    assert (received.message.kind, received.message.outbound_email_id) == ("bounce", email.id)
    assert received.effects == [f"suppressed:{JAMIE}", f"email_bounced:{email.id}"]
    assert email.status == "bounced"
    assert email.last_error.startswith("jamie@trailnotes.com: 5.1.1 550-5.1.1 The email account")
    assert db.session.scalar(select(Suppression.reason)) == "hard_bounce"
    assert (enrollment().status, enrollment().stop_reason) == ("stopped", "bounce")
    assert events()[-3:] == [
        f"Address bounced (hard): {JAMIE}",
        f"Sequence '{SEQUENCE}' stopped: bounce",
        f"Email bounced: {WELCOME}",
    ]
    assert later_steps_sent(clock, sink, workers) == 0


def test_a_hard_bounce_without_our_message_id_is_matched_by_the_bounced_address(app, welcomed):
    raw = load("postfix_hard_bounce.eml", "<rewritten-by-a-relay@mx.rapport.example.com>")

    received = receive(raw)

    assert received.effects == [f"suppressed:{JAMIE}", f"email_bounced:{outbound().id}"]
    assert enrollment().stop_reason == "bounce"


def test_a_soft_bounce_is_noted_but_suppresses_and_stops_nothing(app, clock, sink, workers,
                                                                  welcomed):
    received = receive(load("postfix_soft_bounce.eml", welcomed))

    assert (received.message.kind, received.effects) == (
        "bounce", [f"soft_bounce_logged:{JAMIE}"]
    )
    assert events()[-1] == f"Delivery delayed (soft bounce): {JAMIE}"
    assert count(Suppression) == 0
    assert outbound().status == "sent"
    assert enrollment().status == "active"
    assert later_steps_sent(clock, sink, workers) == 2


def test_a_spam_complaint_suppresses_the_address_and_stops_the_sequence(app, clock, sink,
                                                                        workers, welcomed):
    received = receive(load("arf_complaint.eml", welcomed))

    assert (received.message.kind, received.effects) == ("complaint", [f"suppressed:{JAMIE}"])
    assert db.session.scalar(select(Suppression.reason)) == "complaint"
    assert f"Marked our email as spam: {JAMIE}" in events()
    assert (enrollment().status, enrollment().stop_reason) == ("stopped", "unsubscribe")
    assert later_steps_sent(clock, sink, workers) == 0


def test_an_unmatched_message_is_kept_and_changes_nothing_else(app, clock, sink, workers,
                                                               welcomed):
    raw = load("unmatched.eml")
    interactions = count(Interaction)

    received = receive(raw)

    stored = db.session.get(InboundMessage, received.message.id)
    assert (stored.kind, stored.partner_id, stored.outbound_email_id) == ("unmatched", None, None)
    assert (stored.from_address, stored.subject) == (
        "priya@couponcrate.com", "Question about your affiliate program"
    )
    assert stored.raw == raw.decode()
    assert received.effects == []
    assert count(Interaction) == interactions
    assert enrollment().status == "active"


def test_a_new_message_from_a_partners_address_is_a_reply_matched_by_address(app, welcomed):
    raw = load("unmatched.eml", replace={
        "From: Priya Shah <priya@couponcrate.com>": "From: Jamie Rivera <JAMIE@trailnotes.com>",
    })

    received = receive(raw)

    assert (received.message.kind, received.message.outbound_email_id) == ("reply", None)
    assert received.message.partner_id == enrollment().partner_id
    assert received.effects == ["reply_logged", "matched_by_address", "enrollments_stopped:1"]
    assert enrollment().stop_reason == "reply"


def test_our_own_side_of_the_thread_is_not_taken_for_the_partners_reply(app, welcomed):
    # A manager's follow-up in the thread, copied to the inbound address.
    jamie, mia = "Jamie Rivera <jamie@trailnotes.com>", "Mia Manager <partners@rapport.example.com>"
    raw = load("gmail_reply.eml", welcomed, replace={f"From: {jamie}": f"From: {mia}",
                                                     f"To: {mia}": f"To: {jamie}"})

    received = receive(raw)

    assert (received.message.kind, received.effects) == ("unmatched", [])
    assert enrollment().status == "active"


def test_a_bounce_for_mail_we_never_sent_suppresses_nobody(app, manager):
    partner = make_partner(name="Jamie Rivera", email=JAMIE)
    enroll(partner, None, manager)

    received = receive(load("postfix_hard_bounce.eml"))

    assert (received.message.kind, received.effects) == ("unmatched", [])
    assert count(Suppression) == 0
    assert enrollment().status == "active"


def test_the_same_message_twice_is_stored_and_applied_once(app, welcomed):
    raw = load("gmail_reply.eml", welcomed)
    first = receive(raw)

    second = receive(raw)

    assert second.duplicate is True
    assert second.as_dict() == {**first.as_dict(), "effects": [], "duplicate": True}
    assert count(InboundMessage) == 1
    replies = select(func.count()).where(Interaction.direction == "inbound")
    assert db.session.scalar(replies) == 1


def test_two_deliveries_of_one_message_at_the_same_moment_apply_it_once(app, welcomed):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")
    raw = load("gmail_reply.eml", welcomed)
    start = threading.Barrier(2)
    duplicates: list[bool] = []

    def deliver() -> None:
        with app.app_context():
            start.wait()
            duplicates.append(receive(raw).duplicate)
            db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(duplicates) == [False, True]
    assert count(InboundMessage) == 1


def test_bytes_that_are_not_an_email_are_kept_and_refused(app):
    with pytest.raises(InvalidInput) as refused:
        receive(b"hello world\n")

    stored = db.session.scalar(select(InboundMessage))
    assert (stored.kind, stored.raw) == ("unmatched", "hello world\n")
    assert refused.value.message == (
        "This is not an email message: it has no From, Date, Message-ID, Subject, To or "
        f"Received header. It was kept as inbound message #{stored.id}."
    )
    assert set(refused.value.fields) == {"message"}


@pytest.mark.parametrize("raw, error", [
    (b"", InvalidInput), (b"\r\n", InvalidInput), (b"x" * (MAX_BYTES + 1), MessageTooLarge),
])
def test_empty_or_oversized_input_is_refused_and_not_stored(app, raw, error):
    with pytest.raises(error) as refused:
        receive(raw)

    assert set(refused.value.fields) == {"message"}
    assert count(InboundMessage) == 0


def test_raw_bytes_that_are_not_utf8_are_stored_without_loss():
    raw = b"Subject: Gr\xfc\xdfe\n\nDanke sch\xf6n\x00\n"

    text = raw_text(raw)

    assert text == "Subject: Grüße\n\nDanke schön\ufffd\n"
    assert text.replace("\ufffd", "\x00").encode("latin-1") == raw
