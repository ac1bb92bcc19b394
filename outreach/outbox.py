"""The outbox: queue an email as a row, claim it atomically, deliver it, record the outcome.

Exactly-once is impossible over SMTP; this gets as close as it can. A row is claimed with a
conditional UPDATE (queued → sending), so two deliveries of the same broker message send
once. The one window for a duplicate: the SMTP server accepted the message and the worker
died (or the database refused the commit) before the row became `sent`. The lease then
expires, the scheduler re-queues the row, and it is sent again as the same bytes (the
Message-ID, Date and MIME boundaries all come from the row), so the recipient's mail system
and our inbound matching can recognise the twin.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Connection, Row, bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from crm import clock
from crm.extensions import db
from crm.models import CampaignEnrollment, Enrollment, Interaction, OutboundEmail, Suppression
from crm.partners.threads import thread_columns
from outreach.mailer import Mailer, PermanentFailure, TemporaryFailure
from outreach.messages import Envelope, new_message_id, render_message
from outreach.senders import Sender, system_sender

HARD_BOUNCE_CODES = (550, 551, 553, 554)
OUTBOX = OutboundEmail.__table__
# Built once: the hot path only binds values (building the statement cost as much again).
SET_ROW = OUTBOX.update().where(OUTBOX.c.id == bindparam("row_id"))
ADD_INTERACTION = insert(Interaction.__table__)
# A sent email's entry carries its Message-ID. An email written on the partner page is on the
# timeline from the moment it was written (crm.mailbox.compose), so sending it adds nothing.
_TIMELINE = Interaction.__table__
ADD_EMAIL = {
    name: dialect.insert(_TIMELINE).on_conflict_do_nothing(
        index_elements=["partner_id", "message_id"],
        index_where=_TIMELINE.c.message_id.is_not(None))
    for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
}


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt did: status, and seconds to wait before the next try."""

    status: str
    retry_in: float | None = None


def queue_email(
    *, to_address: str, to_name: str, subject: str, text_body: str, html_body: str = "",
    partner_id: int | None = None, from_name: str | None = None,
    headers: dict[str, str] | None = None, calendar_body: str = "", calendar_method: str = "",
    meeting_id: int | None = None, sender: Sender | None = None,
) -> OutboundEmail:
    """Add an email to the outbox in the caller's transaction; dispatch after the commit.

    `sender` (outreach.senders) sends it as a user; without one it comes from
    RAPPORT_MAIL_FROM, under `from_name` when given.
    """
    sender = sender or system_sender()
    now = clock.now()
    row = OutboundEmail(
        partner_id=partner_id, sender_id=sender.user_id, to_address=to_address,
        to_name=to_name, from_address=sender.address, from_name=from_name or sender.name,
        subject=subject,
        text_body=text_body, html_body=html_body, headers=headers or {},
        calendar_body=calendar_body, calendar_method=calendar_method, meeting_id=meeting_id,
        message_id=new_message_id(sender.address.rsplit("@", 1)[-1]), status="queued",
        attempts=0, last_error="", next_attempt_at=now, created_at=now,
    )
    db.session.add(row)
    return row


def backoff(attempt: int, base: float = 30.0, cap: float = 3600.0) -> float:
    """Seconds before retry `attempt` (1-based): exponential with full jitter."""
    return random.uniform(base / 2, min(cap, base * 2 ** (attempt - 1)))


def claim(connection: Connection, outbound_ids: list[int], now: datetime,
          lease: timedelta) -> list[Row]:
    """queued → sending for this worker, for the rows nobody else has and that are due.

    One statement claims and reads (UPDATE … RETURNING) a whole chunk, and the claim is
    committed before any network I/O, so no transaction stays open while the SMTP server
    thinks. The rows come back in the order asked for.
    """
    rows = connection.execute(
        OUTBOX.update()
        .where(
            OUTBOX.c.id.in_(outbound_ids),
            OUTBOX.c.status == "queued",
            or_(OUTBOX.c.next_attempt_at.is_(None), OUTBOX.c.next_attempt_at <= now),
        )
        .values(status="sending", attempts=OUTBOX.c.attempts + 1, claimed_until=now + lease)
        .returning(*OUTBOX.c)
    ).all()
    connection.commit()
    order = {outbound_id: n for n, outbound_id in enumerate(outbound_ids)}
    return sorted(rows, key=lambda row: order[row.id])


def envelope_of(row) -> Envelope:
    """The message fields of an outbox row (ORM object or plain row)."""
    return Envelope(
        from_address=row.from_address, from_name=row.from_name, to_address=row.to_address,
        to_name=row.to_name, subject=row.subject, text_body=row.text_body,
        html_body=row.html_body, message_id=row.message_id, date=row.created_at,
        headers=dict(row.headers or {}), calendar=row.calendar_body or "",
        calendar_method=row.calendar_method or "",
    )


def _unwanted(connection: Connection, rows: list[Row]) -> dict[int, str]:
    """Why some of these emails must not go out any more (suppressed, sequence stopped)."""
    addresses = {row.to_address.lower() for row in rows}
    suppressed = set(connection.scalars(
        select(Suppression.email_key).where(Suppression.email_key.in_(addresses))))
    enrollment_ids = {row.enrollment_id for row in rows if row.enrollment_id is not None}
    stopped = {row.id: row.stop_reason for row in connection.execute(
        select(Enrollment.id, Enrollment.stop_reason).where(
            Enrollment.id.in_(enrollment_ids), Enrollment.status == "stopped"))
    } if enrollment_ids else {}
    campaign_stopped = _stopped_campaign_enrollments(connection, rows)
    connection.commit()
    reasons = {}
    for row in rows:
        if row.to_address.lower() in suppressed:
            reasons[row.id] = "address is suppressed"
        elif row.enrollment_id in stopped:
            reasons[row.id] = f"sequence stopped ({stopped[row.enrollment_id]})"
        elif row.campaign_enrollment_id in campaign_stopped:
            reasons[row.id] = f"campaign stopped ({campaign_stopped[row.campaign_enrollment_id]})"
    return reasons


def _stopped_campaign_enrollments(connection: Connection, rows: list[Row]) -> dict[int, str]:
    """campaign enrollment id → why it stopped, for the rows' stopped campaign enrollments."""
    ids = {row.campaign_enrollment_id for row in rows if row.campaign_enrollment_id is not None}
    if not ids:
        return {}
    return {row.id: row.stop_reason for row in connection.execute(
        select(CampaignEnrollment.id, CampaignEnrollment.stop_reason).where(
            CampaignEnrollment.id.in_(ids), CampaignEnrollment.status == "stopped"))}


def deliver(outbound_ids: list[int], mailer: Mailer) -> list[tuple[int, Outcome]]:
    """Claim the rows, send each, record each result as soon as it is known.

    Rows someone else has are skipped. Each result is committed before the next email is
    sent, so the duplicate window stays one email wide. Rows still unsent when the lease is
    nearly over are handed back (queued, retry at once) rather than risk the scheduler
    re-queueing an email this worker is about to send.

    The chunk keeps one connection from claim to last result: checking a connection out
    of the pool (and pinging it) for every email cost more than recording the result.
    """
    now = clock.now()
    lease = timedelta(seconds=current_app.config["RAPPORT_SEND_LEASE_SECONDS"])
    with db.engine.connect() as connection:
        rows = claim(connection, list(outbound_ids), now, lease)
        unwanted = _unwanted(connection, rows) if rows else {}
        mailer_for = _mailer_chooser(connection, rows, mailer)
        # Time for one more send (connect + SMTP timeout) must remain inside the lease.
        last_start = now + lease * 0.5
        outcomes = []
        for row in rows:
            if row.id in unwanted:
                outcome = _finish(connection, row, "cancelled", unwanted[row.id])
            elif clock.now() > last_start:
                outcome = _hand_back(connection, row)
            else:
                outcome = _send(connection, row, mailer_for(row.sender_id))
            outcomes.append((row.id, outcome))
    return outcomes


def _mailer_chooser(connection: Connection, rows: list[Row],
                    mailer: Mailer) -> Callable[[int | None], Mailer]:
    """The mailer for each row's sender: `mailer`, unless it chooses per sender
    (outreach.mailbox.mailers: a connected mailbox's own SMTP server)."""
    chooser = getattr(mailer, "chooser", None)
    if chooser is None or not rows:
        return lambda sender_id: mailer
    return chooser(connection, {row.sender_id for row in rows})


def _send(connection: Connection, row: Row, mailer: Mailer) -> Outcome:
    try:
        message = render_message(envelope_of(row))
    except ValueError as error:
        # The row itself is wrong (an address or header that cannot be sent); retrying
        # would fail the same way.
        return _finish(connection, row, "failed", f"cannot build the message: {error}")
    try:
        mailer.send(message)
    except TemporaryFailure as failure:
        return _retry_or_fail(connection, row, str(failure))
    except PermanentFailure as failure:
        return _bounce(connection, row, failure)
    return _finish(connection, row, "sent")


def _hand_back(connection: Connection, row: Row) -> Outcome:
    _set(connection, row, status="queued", claimed_until=None, attempts=row.attempts - 1)
    connection.commit()
    return Outcome("queued", retry_in=0.0)


def _set(connection: Connection, row: Row, **values) -> None:
    connection.execute(SET_ROW, {"row_id": row.id, **values})


def _finish(connection: Connection, row: Row, status: str, error: str = "") -> Outcome:
    now = clock.now()
    _set(connection, row, status=status, claimed_until=None, last_error=error,
         sent_at=now if status == "sent" else None)
    if row.partner_id is not None:
        if status == "sent":
            _timeline(connection, row, "email", row.subject, row.text_body,
                      direction="outbound")
        else:
            label = {"cancelled": "Email cancelled", "failed": "Email failed",
                     "bounced": "Email bounced"}[status]
            _timeline(connection, row, "system", f"{label}: {row.subject}", error)
    connection.commit()
    return Outcome(status)


def _retry_or_fail(connection: Connection, row: Row, error: str) -> Outcome:
    if row.attempts >= current_app.config["RAPPORT_SEND_MAX_ATTEMPTS"]:
        return _finish(connection, row, "failed",
                       f"gave up after {row.attempts} attempts: {error}")
    delay = backoff(row.attempts, base=current_app.config["RAPPORT_SEND_RETRY_BASE_SECONDS"])
    _set(connection, row, status="queued", claimed_until=None, last_error=error,
         next_attempt_at=clock.now() + timedelta(seconds=delay))
    connection.commit()
    return Outcome("queued", retry_in=delay)


def _bounce(connection: Connection, row: Row, failure: PermanentFailure) -> Outcome:
    from outreach.suppressions import suppress

    if failure.code in HARD_BOUNCE_CODES:
        # The suppression goes through the ORM session, so it commits on its own, first: if
        # the worker dies before the row is recorded, the lease hands the row back and the
        # claim cancels it as suppressed. It is never sent again either way.
        suppress(row.to_address, "hard_bounce", str(failure))
        return _finish(connection, row, "bounced", str(failure))
    return _finish(connection, row, "failed", str(failure))


def _timeline(connection: Connection, row: Row, kind: str, summary: str, body: str,
              direction: str = "internal") -> None:
    now = clock.now()
    values = {
        "partner_id": row.partner_id, "kind": kind, "direction": direction,
        "occurred_at": now, "summary": summary[:300], "body": body, "author_id": None,
        "created_at": now,
    }
    if kind != "email":
        connection.execute(ADD_INTERACTION, values)
        return
    references = (row.headers or {}).get("References", "").split()
    connection.execute(ADD_EMAIL[connection.dialect.name],
                       {**values, **thread_columns(row.message_id, references)})


def stalled(now: datetime, limit: int = 1000) -> list[int]:
    """Rows a broker lost or a dead worker held: re-queue expired leases, return what to send.

    A queued row is re-dispatched only after it has waited RAPPORT_REDISPATCH_SECONDS, so a
    healthy but busy queue is not doubled; a late duplicate message is a no-op by the claim.
    """
    wait = timedelta(seconds=current_app.config["RAPPORT_REDISPATCH_SECONDS"])
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.status == "sending", OutboundEmail.claimed_until < now)
        .values(status="queued", claimed_until=None, next_attempt_at=now - wait)
    )
    ids = list(db.session.scalars(
        select(OutboundEmail.id).where(
            OutboundEmail.status == "queued",
            OutboundEmail.next_attempt_at <= now - wait,
            or_(OutboundEmail.dispatched_at.is_(None),
                OutboundEmail.dispatched_at <= now - wait),
        ).order_by(OutboundEmail.next_attempt_at).limit(limit)
    ))
    if ids:
        db.session.execute(
            update(OutboundEmail).where(OutboundEmail.id.in_(ids)).values(dispatched_at=now)
        )
    db.session.commit()
    return ids

