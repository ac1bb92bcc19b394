"""Turning due enrollments into outbox rows, a batch at a time.

This is the hot path of the scheduler (10,000 due among 1,000,000 enrollments must take
seconds, not minutes), so it reads plain rows instead of ORM objects, loads everything a
batch needs with one query per table, and writes with three bulk statements (one each on
PostgreSQL, outreach.bulk_writes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Row, Table, select

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
from outreach.personalize import Rendered, context_for, render_step
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


class Recipients:
    """The partners of a batch of due rows, their owners, clients and suppressions, one query
    per table (shared by the welcome and the campaign engines)."""

    def __init__(self, due: list[Row]) -> None:
        partner_ids = {row.partner_id for row in due}
        self.partners = {p.id: p for p in db.session.execute(
            select(Partner.id, Partner.name, Partner.email, Partner.email_key, Partner.company,
                   Partner.website, Partner.timezone, Partner.stage, Partner.owner_id)
            .where(one_of(Partner.id, partner_ids)))}
        self.owners = by_id(User, {p.owner_id for p in self.partners.values() if p.owner_id})
        self.clients = by_id(Client, {row.client_id for row in due if row.client_id})
        keys = {p.email_key for p in self.partners.values() if p.email_key}
        self.suppressed = set(db.session.scalars(
            select(Suppression.email_key).where(one_of(Suppression.email_key, keys))
        )) if keys else set()
        self.send_times: dict[tuple[str, BusinessHours], datetime] = {}


class BatchContext(Recipients):
    """Everything a batch of due welcome enrollments refers to."""

    def __init__(self, due: list[Row]) -> None:
        super().__init__(due)
        self.plans = _plans({row.sequence_id for row in due})
        default_name, self.sender_address = parseaddr(current_app.config["RAPPORT_MAIL_FROM"])
        self.default_sender = default_name or "Rapport"
        self.domain = self.sender_address.rsplit("@", 1)[-1]


def by_id(model, ids: set[int]) -> dict[int, Any]:
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
    """What a batch will write: enrollment changes, outbox rows, timeline events.

    `table` is the enrollments' table and `conflict` the outbox's unique key for one step
    of one enrollment (the welcome engine's by default; campaigns have their own).
    """

    def __init__(self, now: datetime, table: Table | None = None,
                 conflict: tuple[str, str] = ("enrollment_id", "step_id"),
                 stopped: str = "Sequence stopped") -> None:
        self.now = now
        self.table = Enrollment.__table__ if table is None else table
        self.conflict = conflict
        self.stopped = stopped
        self.enrollments: list[dict] = []
        self.emails: list[dict] = []
        self.events: list[dict] = []

    def event(self, partner_id: int, summary: str, body: str = "") -> dict:
        self.events.append({
            "partner_id": partner_id, "kind": "system", "direction": "internal",
            "occurred_at": self.now, "summary": summary[:300], "body": body,
            "author_id": None, "created_at": self.now,
        })
        return self.events[-1]

    def enrollment(self, row: Row, *, status: str = "active", position: int | None = None,
                   due_at: datetime | None = None, reason: str = "", **extra: Any) -> dict:
        self.enrollments.append({
            "id": row.id, "status": status, "stop_reason": reason,
            "next_position": row.next_position if position is None else position,
            "next_due_at": due_at if status == "active" else None,
            "stopped_at": None if status == "active" else self.now, **extra,
        })
        return self.enrollments[-1]

    def stop(self, row: Row, reason: str, **extra: Any) -> None:
        self.enrollment(row, status="stopped", reason=reason, **extra)
        self.event(row.partner_id, f"{self.stopped}: {reason}")

    def flush(self) -> list[int]:
        update_rows(self.table, "id", self.enrollments)
        ids = _insert_emails(self.emails, list(self.conflict))
        insert_rows(Interaction.__table__, self.events)
        return ids


def _insert_emails(rows: list[dict], conflict: list[str]) -> list[int]:
    if not rows:
        return []
    # The unique (enrollment, step) key: a step queued twice by racing ticks is inserted once.
    table = OutboundEmail.__table__
    if is_postgresql():
        return insert_rows(table, rows, conflict=conflict, returning="id")
    insert_rows(table, rows, conflict=conflict)
    # The ids by Message-ID, not RETURNING: skipped rows are left out either way.
    return list(db.session.scalars(
        select(table.c.id).where(table.c.message_id.in_([row["message_id"] for row in rows]))
    ))


def unsubscribe_headers(link: str) -> dict[str, str]:
    """List-Unsubscribe with RFC 8058 one-click, as every bulk email carries."""
    return {"List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def email_row(partner: Row, rendered: Rendered, now: datetime, *, from_address: str,
              from_name: str, headers: dict[str, str], domain: str,
              **links: Any) -> dict[str, Any]:
    """An outbox row (as a bulk insert takes it) for a rendered email to a partner;
    `links` are the row's ties to what queued it (enrollment_id and step_id, …)."""
    return {
        "partner_id": partner.id, **links,
        "to_address": partner.email, "to_name": partner.name,
        "from_address": from_address, "from_name": from_name,
        "subject": rendered.subject, "text_body": rendered.text_body,
        "html_body": rendered.html_body, "headers": headers,
        "message_id": new_message_id(domain),
        "status": "queued", "attempts": 0, "last_error": "", "next_attempt_at": now,
        "created_at": now,
    }


def due_rows(table: Table, columns: list[str], now: datetime, limit: int,
             share: Share | None = None) -> list[Row]:
    """Active rows of an enrollments table due by `now`, oldest first; rows other ticks
    hold are skipped. `share` (k, n) keeps the ids equal to k modulo n: processes that split
    a tick on SQLite, which has no row locks to skip, each take their own share."""
    query = (
        select(*(table.c[name] for name in columns))
        .where(table.c.status == "active", table.c.next_due_at <= now)
        .order_by(table.c.next_due_at).limit(limit)
        .with_for_update(skip_locked=True)
    )
    if share is not None:
        query = query.where(table.c.id % share[1] == share[0])
    return list(db.session.execute(query))


def due_enrollments(now: datetime, limit: int, share: Share | None = None) -> list[Row]:
    """Active welcome enrollments due by `now` (see due_rows)."""
    return due_rows(Enrollment.__table__, ["id", "partner_id", "sequence_id", "client_id",
                                           "next_position", "started_at"], now, limit, share)


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
    zone = reachable_now(row, partner, context, plan.hours, writes)
    if zone is None:
        return None
    step = plan.steps.get(row.next_position)
    if step is None:
        writes.enrollment(row, status="completed", reason="completed")
        return None
    if not _queue_email(row, step, partner, plan, context, writes):
        return writes.stop(row, "template_error")
    advance_past(row, step, plan, zone, writes)


def reachable_now(row: Row, partner: Row, context: Recipients, hours: BusinessHours,
                  writes: Writes) -> ZoneInfo | None:
    """The partner's zone when they may be emailed now. Otherwise the enrollment stops (no
    address, suppressed) or waits for the partner's hours to open, and None."""
    if not partner.email_key:
        writes.stop(row, "no_address")
        return None
    if partner.email_key in context.suppressed:
        writes.stop(row, "suppressed")
        return None
    zone = zone_of(partner.timezone)
    send_at = send_time(context, zone, hours, writes.now)
    if send_at > writes.now:  # due, but outside the partner's hours
        writes.enrollment(row, due_at=send_at)
        return None
    return zone


def advance_past(row: Row, step: Any, plan: Plan, zone: ZoneInfo, writes: Writes,
                 due: Callable[..., datetime] = step_due_at, **extra: Any) -> None:
    """The enrollment after `step` was queued: due for the next step inside the window (as
    `due` reckons it), or completed after the last one."""
    later = [p for p in plan.positions if p > step.position]
    if later:
        following = plan.steps[later[0]]
        due_at = due(row.started_at, following.delay_days, zone, plan.hours,
                             writes.now + timedelta(minutes=1))
        writes.enrollment(row, position=following.position, due_at=due_at, **extra)
    else:
        writes.enrollment(row, status="completed", position=step.position + 1,
                          reason="completed", **extra)


def send_time(context: Recipients, zone: ZoneInfo, hours: BusinessHours,
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
    # Replies go to Rapport's own address (so they stop the sequence); the name is the
    # partner's manager, who the email is from as far as the partner is concerned.
    writes.emails.append(email_row(
        partner, rendered, writes.now, from_address=context.sender_address,
        from_name=owner.name if owner else context.default_sender,
        headers=unsubscribe_headers(link), domain=context.domain,
        enrollment_id=row.id, step_id=step.id,
    ))
    writes.event(partner.id, f"Welcome email queued (step {step.position} of "
                 f"{len(plan.steps)}): {rendered.subject}")
    return True
