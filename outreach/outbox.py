"""The outbox: queue an email as a row, claim it atomically, deliver it, record the outcome.

Exactly-once is impossible over SMTP; this gets as close as it can. A row is claimed with a
conditional UPDATE (queued → sending), so two deliveries of the same broker message send
once. The one window for a duplicate: the SMTP server accepted the message and the worker
died (or the database refused the commit) before the row became `sent`. The lease then
expires, the scheduler re-queues the row, and it is sent again with the SAME Message-ID, so
the recipient's mail system and our inbound matching can recognise the twin.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Row, insert, or_, select, update

from crm import clock
from crm.extensions import db
from crm.models import Enrollment, Interaction, OutboundEmail, Suppression
from outreach.mailer import Mailer, PermanentFailure, TemporaryFailure
from outreach.messages import Envelope, build_message, new_message_id

HARD_BOUNCE_CODES = (550, 551, 553, 554)


@dataclass(frozen=True)
class Outcome:
    """What one delivery attempt did: status, and seconds to wait before the next try."""

    status: str
    retry_in: float | None = None


def queue_email(
    *, to_address: str, to_name: str, subject: str, text_body: str, html_body: str = "",
    partner_id: int | None = None, from_name: str | None = None,
    headers: dict[str, str] | None = None, calendar_body: str = "", calendar_method: str = "",
    meeting_id: int | None = None,
) -> OutboundEmail:
    """Add an email to the outbox in the caller's transaction; dispatch after the commit."""
    from email.utils import parseaddr

    default_name, from_address = parseaddr(current_app.config["RAPPORT_MAIL_FROM"])
    now = clock.now()
    row = OutboundEmail(
        partner_id=partner_id, to_address=to_address, to_name=to_name,
        from_address=from_address, from_name=from_name or default_name, subject=subject,
        text_body=text_body, html_body=html_body, headers=headers or {},
        calendar_body=calendar_body, calendar_method=calendar_method, meeting_id=meeting_id,
        message_id=new_message_id(from_address.rsplit("@", 1)[-1]), status="queued",
        attempts=0, last_error="", next_attempt_at=now, created_at=now,
    )
    db.session.add(row)
    return row


def backoff(attempt: int, base: float = 30.0, cap: float = 3600.0) -> float:
    """Seconds before retry `attempt` (1-based): exponential with full jitter."""
    return random.uniform(base / 2, min(cap, base * 2 ** (attempt - 1)))


def claim(outbound_id: int, now: datetime, lease: timedelta) -> Row | None:
    """queued → sending for this worker, if nobody else has it and it is due; the row or None.

    One statement claims and reads (UPDATE … RETURNING), and the claim is committed before
    any network I/O, so no transaction stays open while the SMTP server thinks.
    """
    table = OutboundEmail.__table__
    row = db.session.execute(
        table.update()
        .where(
            table.c.id == outbound_id,
            table.c.status == "queued",
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        )
        .values(status="sending", attempts=table.c.attempts + 1, claimed_until=now + lease)
        .returning(*table.c)
    ).first()
    db.session.commit()
    return row


def is_suppressed(address: str) -> bool:
    return db.session.scalar(
        select(Suppression.id).where(Suppression.email_key == address.lower())
    ) is not None


def envelope_of(row) -> Envelope:
    """The message fields of an outbox row (ORM object or plain row)."""
    return Envelope(
        from_address=row.from_address, from_name=row.from_name, to_address=row.to_address,
        to_name=row.to_name, subject=row.subject, text_body=row.text_body,
        html_body=row.html_body, message_id=row.message_id, date=row.created_at,
        headers=dict(row.headers or {}), calendar=row.calendar_body or "",
        calendar_method=row.calendar_method or "",
    )


def _still_wanted(row: Row) -> str | None:
    """Why this email must not go out any more, or None (one query for both reasons)."""
    suppressed = select(Suppression.id).where(
        Suppression.email_key == row.to_address.lower()).exists()
    stopped = select(Enrollment.stop_reason).where(
        Enrollment.id == row.enrollment_id, Enrollment.status == "stopped").scalar_subquery()
    is_suppressed_now, stop_reason = db.session.execute(select(suppressed, stopped)).one()
    if is_suppressed_now:
        return "address is suppressed"
    if stop_reason is not None:
        return f"sequence stopped ({stop_reason})"
    return None


def deliver(outbound_id: int, mailer: Mailer) -> Outcome:
    """Claim the row, send it, record the result; a no-op for a row someone else has."""
    now = clock.now()
    lease = timedelta(seconds=current_app.config["RAPPORT_SEND_LEASE_SECONDS"])
    row = claim(outbound_id, now, lease)
    if row is None:
        return Outcome("not-claimed")
    reason = _still_wanted(row)
    if reason:
        return _finish(row, "cancelled", reason)
    try:
        mailer.send(build_message(envelope_of(row)))
    except TemporaryFailure as failure:
        return _retry_or_fail(row, str(failure))
    except PermanentFailure as failure:
        return _bounce(row, failure)
    return _finish(row, "sent")


def _set(row: Row, **values) -> None:
    table = OutboundEmail.__table__
    db.session.execute(table.update().where(table.c.id == row.id).values(**values))


def _finish(row: Row, status: str, error: str = "") -> Outcome:
    now = clock.now()
    _set(row, status=status, claimed_until=None, last_error=error,
         sent_at=now if status == "sent" else None)
    if row.partner_id is not None:
        if status == "sent":
            _timeline(row, "email", row.subject, row.text_body, direction="outbound")
        else:
            label = {"cancelled": "Email cancelled", "failed": "Email failed",
                     "bounced": "Email bounced"}[status]
            _timeline(row, "system", f"{label}: {row.subject}", error)
    db.session.commit()
    return Outcome(status)


def _retry_or_fail(row: Row, error: str) -> Outcome:
    if row.attempts >= current_app.config["RAPPORT_SEND_MAX_ATTEMPTS"]:
        return _finish(row, "failed", f"gave up after {row.attempts} attempts: {error}")
    delay = backoff(row.attempts, base=current_app.config["RAPPORT_SEND_RETRY_BASE_SECONDS"])
    _set(row, status="queued", claimed_until=None, last_error=error,
         next_attempt_at=clock.now() + timedelta(seconds=delay))
    db.session.commit()
    return Outcome("queued", retry_in=delay)


def _bounce(row: Row, failure: PermanentFailure) -> Outcome:
    from outreach.suppressions import suppress

    if failure.code in HARD_BOUNCE_CODES:
        suppress(row.to_address, "hard_bounce", str(failure), commit=False)
        return _finish(row, "bounced", str(failure))
    return _finish(row, "failed", str(failure))


def _timeline(row: Row, kind: str, summary: str, body: str,
              direction: str = "internal") -> None:
    now = clock.now()
    db.session.execute(insert(Interaction.__table__).values(
        partner_id=row.partner_id, kind=kind, direction=direction, occurred_at=now,
        summary=summary[:300], body=body, author_id=None, created_at=now,
    ))


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

