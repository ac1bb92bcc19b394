"""Delivering a chunk of outbox rows: one claim, one check, one send and record per email."""

from datetime import timedelta

from crm.extensions import db
from crm.models import OutboundEmail
from outreach import outbox
from outreach.mailer import CapturingMailer, PermanentFailure
from outreach.suppressions import is_suppressed, suppress
from tests.outbox.helpers import make_email


class SlowMailer(CapturingMailer):
    """Each send takes `seconds` on the test clock."""

    def __init__(self, clock, seconds: float) -> None:
        super().__init__()
        self.clock, self.seconds = clock, seconds

    def send(self, message) -> None:
        super().send(message)
        self.clock.set(self.clock.now() + timedelta(seconds=self.seconds))


def statuses(*rows):
    for row in rows:
        db.session.refresh(row)
    return [(row.status, row.attempts) for row in rows]


def test_a_chunk_is_sent_in_order_and_rows_someone_else_has_are_skipped(app, clock):
    first, taken, last = make_email(), make_email(status="sending"), make_email()
    mailer = CapturingMailer()

    outcomes = outbox.deliver([first.id, taken.id, last.id], mailer)

    assert [(i, o.status) for i, o in outcomes] == [(first.id, "sent"), (last.id, "sent")]
    assert [m.parsed()["Message-ID"] for m in mailer.sent] == [first.message_id, last.message_id]
    assert statuses(first, taken, last) == [("sent", 1), ("sending", 0), ("sent", 1)]


def test_a_suppressed_address_in_the_chunk_is_cancelled_not_sent(app, clock):
    kept, dropped = make_email(), make_email(to_address="Gone@Example.com")
    suppress("gone@example.com", "unsubscribed")
    mailer = CapturingMailer()

    outbox.deliver([kept.id, dropped.id], mailer)

    assert len(mailer.sent) == 1
    assert statuses(kept, dropped) == [("sent", 1), ("cancelled", 1)]


def test_rows_left_when_the_lease_runs_low_are_handed_back_unsent(app, clock):
    app.config["RAPPORT_SEND_LEASE_SECONDS"] = 100
    rows = [make_email() for _ in range(3)]
    mailer = SlowMailer(clock, seconds=40)  # the third would start after half the lease

    outcomes = outbox.deliver([row.id for row in rows], mailer)

    assert [o.status for _, o in outcomes] == ["sent", "sent", "queued"]
    assert outcomes[-1][1].retry_in == 0.0
    assert statuses(*rows) == [("sent", 1), ("sent", 1), ("queued", 0)]
    assert db.session.get(OutboundEmail, rows[2].id).claimed_until is None


def test_a_row_that_cannot_become_a_message_fails_once_and_is_not_retried(app, clock):
    broken, fine = make_email(to_address="eve@x.example\r\nBcc: all@x.example"), make_email()
    mailer = CapturingMailer()

    outcomes = outbox.deliver([broken.id, fine.id], mailer)

    assert [(o.status, o.retry_in) for _, o in outcomes] == [("failed", None), ("sent", None)]
    assert [m.recipient for m in mailer.sent] == [fine.to_address]
    db.session.refresh(broken)
    assert broken.last_error.startswith("cannot build the message:")


def test_a_hard_bounce_suppresses_the_address_and_records_the_bounce(app, clock):
    row = make_email(to_address="gone@example.com")

    class Refusing(CapturingMailer):
        def send(self, message) -> None:
            raise PermanentFailure("550 5.1.1 no such user", 550)

    [(_, outcome)] = outbox.deliver([row.id], Refusing())

    assert outcome.status == "bounced"
    assert is_suppressed("gone@example.com")
    assert statuses(row) == [("bounced", 1)]
