"""Turning due enrollments into outbox rows, a batch at a time.

This is the hot path of the scheduler (10,000 due among 1,000,000 enrollments must take
seconds, not minutes), so it reads plain rows instead of ORM objects, loads everything a
batch needs with one query per table, and writes with three bulk statements (one each on
PostgreSQL, outreach.bulk_writes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Row, select

from crm.extensions import db
from crm.models import (
    Client,
    Enrollment,
    Interaction,
    OutboundEmail,
    Partner,
    Sequence,
    SequenceStep,
    Suppression,
    User,
)
from outreach.bulk_writes import insert_rows, is_postgresql, one_of, update_rows
from outreach.business_hours import BusinessHours
from outreach.email_templates import TemplateProblem
from outreach.messages import new_message_id
from outreach.personalize import context_for, render_step
from outreach.sequences import hours_of, step_due_at, zone_of
from outreach.unsubscribe import unsubscribe_url

# (k, n): the enrollments whose id is k modulo n.
Share = tuple[int, int]


@dataclass(frozen=True)
class Plan:
    """A sequence as the scheduler needs it: hours and steps by position."""

    name: str
    hours: BusinessHours
    steps: dict[int, Any]
    positions: list[int]


class BatchContext:
    """Everything a batch of due enrollments refers to, one query per table."""

    def __init__(self, due: list[Row]) -> None:
        partner_ids = {row.partner_id for row in due}
        self.partners = {p.id: p for p in db.session.execute(
            select(Partner.id, Partner.name, Partner.email, Partner.email_key, Partner.company,
                   Partner.website, Partner.timezone, Partner.stage, Partner.owner_id)
            .where(one_of(Partner.id, partner_ids)))}
        self.owners = _by_id(User, {p.owner_id for p in self.partners.values() if p.owner_id})
        self.clients = _by_id(Client, {row.client_id for row in due if row.client_id})
        self.plans = _plans({row.sequence_id for row in due})
        keys = {p.email_key for p in self.partners.values() if p.email_key}
        self.suppressed = set(db.session.scalars(
            select(Suppression.email_key).where(one_of(Suppression.email_key, keys))
        )) if keys else set()
        self.send_times: dict[tuple[str, BusinessHours], datetime] = {}
        default_name, self.sender_address = parseaddr(current_app.config["RAPPORT_MAIL_FROM"])
        self.default_sender = default_name or "Rapport"
        self.domain = self.sender_address.rsplit("@", 1)[-1]


def _by_id(model, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {obj.id: obj for obj in db.session.scalars(select(model).where(one_of(model.id, ids)))}


def _plans(sequence_ids: set[int]) -> dict[int, Plan]:
    sequences = {s.id: s for s in db.session.execute(
        select(Sequence.id, Sequence.name, Sequence.send_weekdays, Sequence.send_from,
               Sequence.send_until).where(Sequence.id.in_(sequence_ids)))}
    steps: dict[int, dict[int, Any]] = {sid: {} for sid in sequences}
    for step in db.session.execute(
        select(SequenceStep.id, SequenceStep.sequence_id, SequenceStep.position,
               SequenceStep.delay_days, SequenceStep.subject, SequenceStep.html_body,
               SequenceStep.text_body).where(SequenceStep.sequence_id.in_(sequence_ids))
    ):
        steps[step.sequence_id][step.position] = step
    return {
        sid: Plan(s.name, hours_of(s.send_weekdays, s.send_from, s.send_until), steps[sid],
                  sorted(steps[sid]))
        for sid, s in sequences.items()
    }


class Writes:
    """What a batch will write: enrollment changes, outbox rows, timeline events."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.enrollments: list[dict] = []
        self.emails: list[dict] = []
        self.events: list[dict] = []

    def event(self, partner_id: int, summary: str, body: str = "") -> None:
        self.events.append({
            "partner_id": partner_id, "kind": "system", "direction": "internal",
            "occurred_at": self.now, "summary": summary[:300], "body": body,
            "author_id": None, "created_at": self.now,
        })

    def enrollment(self, row: Row, *, status: str = "active", position: int | None = None,
                   due_at: datetime | None = None, reason: str = "") -> None:
        self.enrollments.append({
            "id": row.id, "status": status, "stop_reason": reason,
            "next_position": row.next_position if position is None else position,
            "next_due_at": due_at if status == "active" else None,
            "stopped_at": None if status == "active" else self.now,
        })

    def stop(self, row: Row, reason: str) -> None:
        self.enrollment(row, status="stopped", reason=reason)
        self.event(row.partner_id, f"Sequence stopped: {reason}")

    def flush(self) -> list[int]:
        update_rows(Enrollment.__table__, "id", self.enrollments)
        ids = _insert_emails(self.emails)
        insert_rows(Interaction.__table__, self.events)
        return ids


def _insert_emails(rows: list[dict]) -> list[int]:
    if not rows:
        return []
    # The unique (enrollment, step) key: a step queued twice by racing ticks is inserted once.
    table = OutboundEmail.__table__
    conflict = ["enrollment_id", "step_id"]
    if is_postgresql():
        return insert_rows(table, rows, conflict=conflict, returning="id")
    insert_rows(table, rows, conflict=conflict)
    # The ids by Message-ID, not RETURNING: skipped rows are left out either way.
    return list(db.session.scalars(
        select(table.c.id).where(table.c.message_id.in_([row["message_id"] for row in rows]))
    ))


def due_enrollments(now: datetime, limit: int, share: Share | None = None) -> list[Row]:
    """Active enrollments due by `now`, oldest first; rows other ticks hold are skipped.

    `share` (k, n) keeps the ids equal to k modulo n: processes that split a tick on SQLite,
    which has no row locks to skip, each take their own share.
    """
    query = (
        select(Enrollment.id, Enrollment.partner_id, Enrollment.sequence_id,
               Enrollment.client_id, Enrollment.next_position, Enrollment.started_at)
        .where(Enrollment.status == "active", Enrollment.next_due_at <= now)
        .order_by(Enrollment.next_due_at).limit(limit)
        .with_for_update(skip_locked=True)
    )
    if share is not None:
        query = query.where(Enrollment.id % share[1] == share[0])
    return list(db.session.execute(query))


def queue_due_steps(now: datetime, limit: int,
                    share: Share | None = None) -> tuple[int, list[int]]:
    """Turn up to `limit` due enrollments into outbox rows: (enrollments seen, new row ids)."""
    due = due_enrollments(now, limit, share)
    if not due:
        db.session.commit()
        return 0, []
    context = BatchContext(due)
    writes = Writes(now)
    for row in due:
        _advance(row, context, writes)
    ids = writes.flush()
    db.session.commit()
    return len(due), ids


def _advance(row: Row, context: BatchContext, writes: Writes) -> None:
    partner = context.partners[row.partner_id]
    plan = context.plans[row.sequence_id]
    if partner.stage == "churned":
        return writes.stop(row, "churn")
    if not partner.email_key:
        return writes.stop(row, "no_address")
    if partner.email_key in context.suppressed:
        return writes.stop(row, "suppressed")
    zone = zone_of(partner.timezone)
    send_at = _send_time(context, zone, plan.hours, writes.now)
    if send_at > writes.now:  # due, but outside the partner's business hours
        return writes.enrollment(row, due_at=send_at)
    step = plan.steps.get(row.next_position)
    if step is None:
        return writes.enrollment(row, status="completed", reason="completed")
    if not _queue_email(row, step, partner, plan, context, writes):
        return writes.stop(row, "template_error")
    later = [p for p in plan.positions if p > step.position]
    if later:
        following = plan.steps[later[0]]
        due_at = step_due_at(row.started_at, following.delay_days, zone, plan.hours,
                             writes.now + timedelta(minutes=1))
        writes.enrollment(row, position=following.position, due_at=due_at)
    else:
        writes.enrollment(row, status="completed", position=step.position + 1,
                          reason="completed")


def _send_time(context: BatchContext, zone: ZoneInfo, hours: BusinessHours,
               now: datetime) -> datetime:
    # The same for every partner in a zone: a batch has a few zones and thousands of rows.
    key = (zone.key, hours)
    if key not in context.send_times:
        context.send_times[key] = step_due_at(now, 0, zone, hours, now)
    return context.send_times[key]


def _queue_email(row: Row, step, partner, plan: Plan, context: BatchContext,
                 writes: Writes) -> bool:
    owner = context.owners.get(partner.owner_id) if partner.owner_id else None
    client = context.clients.get(row.client_id) if row.client_id else None
    link = unsubscribe_url(partner.email_key)
    try:
        rendered = render_step(step.subject, step.html_body, step.text_body,
                               context_for(partner, owner, client, link))
    except TemplateProblem as problem:
        writes.event(partner.id, "Welcome email could not be rendered", str(problem))
        return False
    writes.emails.append({
        "partner_id": partner.id, "enrollment_id": row.id, "step_id": step.id,
        "to_address": partner.email, "to_name": partner.name,
        # Replies go to Rapport's own address (so they stop the sequence); the name is the
        # partner's manager, who the email is from as far as the partner is concerned.
        "from_address": context.sender_address,
        "from_name": owner.name if owner else context.default_sender,
        "subject": rendered.subject, "text_body": rendered.text_body,
        "html_body": rendered.html_body,
        "headers": {"List-Unsubscribe": f"<{link}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        "message_id": new_message_id(context.domain),
        "status": "queued", "attempts": 0, "last_error": "", "next_attempt_at": writes.now,
        "created_at": writes.now,
    })
    writes.event(partner.id, f"Welcome email queued (step {step.position} of "
                 f"{len(plan.steps)}): {rendered.subject}")
    return True
