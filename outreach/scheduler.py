"""The scheduler tick: due sequence steps become outbox rows; lost sends are re-dispatched.

Work per tick is proportional to what is due: a partial index on active enrollments'
next_due_at answers "what is due now" without reading the others. Two schedulers never
double the work: the tick runs under a lease row, and the outbox's unique
(enrollment, step) key makes a second row for one step impossible anyway.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload

from crm import clock
from crm.extensions import db
from crm.models import (
    Client,
    Enrollment,
    Interaction,
    Lease,
    OutboundEmail,
    Partner,
    Sequence,
    Suppression,
    User,
)
from outreach import outbox
from outreach.email_templates import TemplateProblem
from outreach.messages import new_message_id
from outreach.personalize import context_for, render_step
from outreach.sequences import hours_of, step_due_at, zone_of
from outreach.unsubscribe import unsubscribe_url

log = logging.getLogger(__name__)
BATCH = 1000
LEASE_NAME = "scheduler"
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def take_lease(now: datetime, seconds: int, holder: str = HOLDER) -> bool:
    """Hold the scheduler lease until now + seconds, if it is free, expired or ours."""
    if db.session.get(Lease, LEASE_NAME) is None:
        db.session.add(Lease(name=LEASE_NAME, holder="", expires_at=now))
        try:
            db.session.commit()
        except Exception:  # another scheduler created it first; the UPDATE below decides
            db.session.rollback()
    taken = db.session.execute(
        update(Lease)
        .where(Lease.name == LEASE_NAME, (Lease.expires_at <= now) | (Lease.holder == holder))
        .values(holder=holder, expires_at=now + timedelta(seconds=seconds))
    ).rowcount == 1
    db.session.commit()
    return taken


def tick(now: datetime | None = None, dispatch: Callable[[list[int]], None] | None = None) -> int:
    """One pass: queue every due step (in batches), re-dispatch stalled emails; returns queued."""
    from outreach.dispatch import dispatch_emails

    now = now or clock.now()
    dispatch = dispatch or dispatch_emails
    queued = 0
    while True:
        ids = queue_due_steps(now, BATCH)
        dispatch(ids)
        queued += len(ids)
        if len(ids) < BATCH and not _more_due(now):
            break
    dispatch(outbox.stalled(now))
    return queued


def _more_due(now: datetime) -> bool:
    return db.session.scalar(
        select(Enrollment.id).where(Enrollment.status == "active", Enrollment.next_due_at <= now)
        .limit(1)
    ) is not None


class _Batch:
    """Lookups shared by one batch of due enrollments, loaded with one query each."""

    def __init__(self, enrollments: list[Enrollment]) -> None:
        partner_ids = {e.partner_id for e in enrollments}
        self.partners = {p.id: p for p in db.session.scalars(
            select(Partner).where(Partner.id.in_(partner_ids)))}
        owner_ids = {p.owner_id for p in self.partners.values() if p.owner_id}
        self.owners = {u.id: u for u in db.session.scalars(
            select(User).where(User.id.in_(owner_ids)))} if owner_ids else {}
        client_ids = {e.client_id for e in enrollments if e.client_id}
        self.clients = {c.id: c for c in db.session.scalars(
            select(Client).where(Client.id.in_(client_ids)))} if client_ids else {}
        self.sequences = {s.id: s for s in db.session.scalars(
            select(Sequence).options(selectinload(Sequence.steps))
            .where(Sequence.id.in_({e.sequence_id for e in enrollments})))}
        keys = {p.email_key for p in self.partners.values() if p.email_key}
        self.suppressed = set(db.session.scalars(
            select(Suppression.email_key).where(Suppression.email_key.in_(keys))
        )) if keys else set()


def queue_due_steps(now: datetime, limit: int = BATCH) -> list[int]:
    """Turn up to `limit` due enrollments into outbox rows; returns the new row ids."""
    enrollments = list(db.session.scalars(
        select(Enrollment)
        .where(Enrollment.status == "active", Enrollment.next_due_at <= now)
        .order_by(Enrollment.next_due_at).limit(limit)
        .with_for_update(skip_locked=True)
    ))
    if not enrollments:
        db.session.commit()
        return []
    batch = _Batch(enrollments)
    rows, events = [], []
    for enrollment in enrollments:
        row = _advance(enrollment, batch, now, events)
        if row is not None:
            rows.append(row)
    ids = _insert_rows(rows)
    if events:
        db.session.execute(insert(Interaction), events)
    db.session.commit()
    return ids


def _stop(enrollment: Enrollment, reason: str, now: datetime, events: list) -> None:
    enrollment.status = "stopped" if reason != "completed" else "completed"
    enrollment.stop_reason = reason
    enrollment.stopped_at = now
    enrollment.next_due_at = None
    if reason != "completed":
        events.append(_event(enrollment.partner_id, f"Sequence stopped: {reason}", "", now))


def _event(partner_id: int, summary: str, body: str, now: datetime) -> dict:
    return {"partner_id": partner_id, "kind": "system", "direction": "internal",
            "occurred_at": now, "summary": summary[:300], "body": body, "author_id": None,
            "created_at": now}


def _advance(enrollment: Enrollment, batch: _Batch, now: datetime, events: list) -> dict | None:
    partner = batch.partners[enrollment.partner_id]
    sequence = batch.sequences[enrollment.sequence_id]
    if partner.stage == "churned":
        return _stop(enrollment, "churn", now, events)
    if not partner.email_key:
        return _stop(enrollment, "no_address", now, events)
    if partner.email_key in batch.suppressed:
        return _stop(enrollment, "suppressed", now, events)
    zone = zone_of(partner.timezone)
    hours = hours_of(sequence.send_weekdays, sequence.send_from, sequence.send_until)
    send_at = step_due_at(now, 0, zone, hours, now)
    if send_at > now:  # due, but outside the partner's business hours: wait for the window
        enrollment.next_due_at = send_at
        return None
    steps = {step.position: step for step in sequence.steps}
    step = steps.get(enrollment.next_position)
    if step is None:
        return _stop(enrollment, "completed", now, events)
    row = _render_row(enrollment, step, partner, batch, now, events)
    if row is None:
        return None
    later = sorted(p for p in steps if p > step.position)
    if later:
        following = steps[later[0]]
        enrollment.next_position = following.position
        enrollment.next_due_at = step_due_at(enrollment.started_at, following.delay_days,
                                             zone, hours, now + timedelta(minutes=1))
    else:
        _stop(enrollment, "completed", now, events)
        enrollment.next_position = step.position + 1
    total = len(steps)
    events.append(_event(partner.id, f"Welcome email queued (step {step.position} of {total}): "
                         f"{row['subject']}", "", now))
    return row


def _render_row(enrollment, step, partner, batch: _Batch, now: datetime, events: list):
    owner = batch.owners.get(partner.owner_id) if partner.owner_id else None
    client = batch.clients.get(enrollment.client_id) if enrollment.client_id else None
    context = context_for(partner, owner, client, unsubscribe_url(partner.email_key))
    try:
        rendered = render_step(step.subject, step.html_body, step.text_body, context)
    except TemplateProblem as problem:
        _stop(enrollment, "template_error", now, events)
        events.append(_event(partner.id, "Welcome email could not be rendered", str(problem), now))
        return None
    config = current_app.config
    sender_name, sender_address = _sender(config["RAPPORT_MAIL_FROM"], owner)
    return {
        "partner_id": partner.id, "enrollment_id": enrollment.id, "step_id": step.id,
        "to_address": partner.email, "to_name": partner.name,
        "from_address": sender_address, "from_name": sender_name,
        "subject": rendered.subject, "text_body": rendered.text_body,
        "html_body": rendered.html_body,
        "headers": {
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        "message_id": new_message_id(sender_address.rsplit("@", 1)[-1]),
        "status": "queued", "attempts": 0, "last_error": "", "next_attempt_at": now,
        "created_at": now,
    }


def _sender(mail_from: str, owner: User | None) -> tuple[str, str]:
    from email.utils import parseaddr

    name, address = parseaddr(mail_from)
    # Replies go to Rapport's own address (so they stop the sequence); the name is the manager's.
    return (owner.name if owner else name or "Rapport"), address


def _insert_rows(rows: list[dict]) -> list[int]:
    if not rows:
        return []
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = (dialect_insert(OutboundEmail)
                 .on_conflict_do_nothing(index_elements=["enrollment_id", "step_id"])
                 .returning(OutboundEmail.id))
    return list(db.session.scalars(statement, rows))


def run_forever(interval: float, stop_event) -> None:
    """Tick every `interval` seconds under the lease until `stop_event` is set."""
    while not stop_event.is_set():
        try:
            if take_lease(clock.now(), int(interval * 4)):
                tick()
        except Exception:  # a tick failure must not kill the loop; the next tick retries
            log.exception("scheduler tick failed")
            db.session.rollback()
        finally:
            db.session.remove()
        stop_event.wait(interval)
