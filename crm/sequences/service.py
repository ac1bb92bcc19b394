"""Domain operations on welcome sequences: hours, steps, a client's own copy, enrollments.

Each public function that changes something validates, writes and commits. Step templates
are checked here, at save time, so a broken template never reaches the scheduler. Changes to
a sequence (hours, steps, a client's own copy) are audited (crm.audit) with the same commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from crm import audit, clock
from crm.errors import Conflict, InvalidInput, NotFound
from crm.extensions import db
from crm.models import Client, Enrollment, OutboundEmail, Partner, Sequence, SequenceStep, User
from crm.sequences import templates_check
from outreach import enrollments as engine

MAX_DELAY_DAYS = 365
SUBJECT_LIMIT = 300
BODY_LIMIT = 100_000
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Overview:
    """What the sequences page lists."""

    default: Sequence
    client_sequences: list[Sequence]
    clients_without: list[Client]
    active_counts: dict[int, int]


# --- reading -----------------------------------------------------------------------------


def default_sequence() -> Sequence:
    """The shipped default sequence, created (and committed) on first use."""
    existing = db.session.scalar(select(Sequence).where(Sequence.client_id.is_(None)))
    if existing is not None:
        return existing
    sequence = engine.ensure_default_sequence()
    db.session.commit()
    return sequence


def overview() -> Overview:
    """The default sequence, every client's own, and the clients still using the default."""
    default = default_sequence()
    own = list(db.session.scalars(
        select(Sequence).join(Sequence.client).where(Sequence.client_id.is_not(None))
        .options(selectinload(Sequence.steps), selectinload(Sequence.client))
        .order_by(Client.name)
    ))
    with_own = {sequence.client_id for sequence in own}
    clients = db.session.scalars(select(Client).order_by(Client.name))
    return Overview(default, own, [c for c in clients if c.id not in with_own], active_counts())


def active_counts() -> dict[int, int]:
    """sequence id → partners going through it now."""
    rows = db.session.execute(
        select(Enrollment.sequence_id, func.count())
        .where(Enrollment.status == "active").group_by(Enrollment.sequence_id)
    )
    return {sequence_id: count for sequence_id, count in rows}


def load_sequence(sequence_id: int) -> Sequence:
    """The sequence with its steps and client, or NotFound."""
    sequence = db.session.get(Sequence, sequence_id, options=[
        selectinload(Sequence.steps), selectinload(Sequence.client),
    ])
    if sequence is None:
        raise NotFound(f"There is no sequence #{sequence_id}.")
    return sequence


def load_step(sequence: Sequence, step_id: int) -> SequenceStep:
    """One step of this sequence, or NotFound."""
    step = next((s for s in sequence.steps if s.id == step_id), None)
    if step is None:
        raise NotFound(f"Sequence #{sequence.id} has no step #{step_id}.")
    return step


def hours_label(sequence: Sequence) -> str:
    """'Mon–Fri 09:00–17:00' (or the days listed), in the partner's own time zone."""
    days = sorted(sequence.send_weekdays or [])
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        day_text = f"{WEEKDAY_NAMES[days[0]]}–{WEEKDAY_NAMES[days[-1]]}"
    else:
        day_text = ", ".join(WEEKDAY_NAMES[d] for d in days)
    return f"{day_text} {sequence.send_from:%H:%M}–{sequence.send_until:%H:%M}"


# --- creating and changing sequences -----------------------------------------------------


def create_client_sequence(client: Client, actor: User | None = None) -> Sequence:
    """The client's own sequence, starting as a copy of the default; one per client."""
    if db.session.scalar(select(Sequence.id).where(Sequence.client_id == client.id)):
        raise Conflict(f"{client.name} already has its own sequence.",
                       {"client_id": "already has a sequence"})
    default = default_sequence()
    now = clock.now()
    sequence = Sequence(
        client_id=client.id, name=f"{client.name} welcome"[:120],
        send_weekdays=list(default.send_weekdays), send_from=default.send_from,
        send_until=default.send_until, created_at=now, updated_at=now,
    )
    sequence.steps = [
        SequenceStep(position=step.position, delay_days=step.delay_days, subject=step.subject,
                     html_body=step.html_body, text_body=step.text_body)
        for step in default.steps
    ]
    db.session.add(sequence)
    audit.record("sequence.created", actor, sequence.name,
                 f"{client.name}'s own copy of the default ({len(sequence.steps)} steps)")
    try:
        db.session.commit()
    except IntegrityError:  # the same request twice at once: the unique client_id decides
        db.session.rollback()
        raise Conflict(f"{client.name} already has its own sequence.",
                       {"client_id": "already has a sequence"}) from None
    return sequence


def _clock_time(value: Any) -> time | None:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    try:
        return time.fromisoformat(str(value or "").strip()).replace(second=0, microsecond=0)
    except ValueError:
        return None


def _weekdays(value: Any) -> list[int] | None:
    try:
        days = sorted({int(day) for day in value or []})
    except (TypeError, ValueError):
        return None
    return days if days and set(days) <= set(range(7)) else None


def clean_hours(data: Mapping[str, Any], current: Sequence) -> dict[str, Any]:
    """Validated business hours; any key left out keeps the sequence's current value."""
    errors: dict[str, str] = {}
    days = _weekdays(data["send_weekdays"]) if "send_weekdays" in data else current.send_weekdays
    if days is None:
        errors["send_weekdays"] = "pick at least one day (0 = Monday … 6 = Sunday)"
    start = _clock_time(data["send_from"]) if "send_from" in data else current.send_from
    if start is None:
        errors["send_from"] = "must be a time like 09:00"
    end = _clock_time(data["send_until"]) if "send_until" in data else current.send_until
    if end is None:
        errors["send_until"] = "must be a time like 17:00"
    if start and end and start >= end:
        errors["send_until"] = "must be later than the start time"
    if errors:
        raise InvalidInput("The business hours are not valid.", errors)
    return {"send_weekdays": days, "send_from": start, "send_until": end}


def update_hours(sequence: Sequence, data: Mapping[str, Any],
                 actor: User | None = None) -> Sequence:
    """Change the days and hours (in each partner's own zone) the sequence sends in."""
    before = hours_label(sequence)
    for name, value in clean_hours(data, sequence).items():
        setattr(sequence, name, value)
    sequence.updated_at = clock.now()
    if hours_label(sequence) != before:
        audit.record("sequence.hours_changed", actor, sequence.name,
                     f"{before} → {hours_label(sequence)}")
    db.session.commit()
    return sequence


# --- steps -------------------------------------------------------------------------------


def _delay(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return days if 0 <= days <= MAX_DELAY_DAYS else None


TEXT_LIMITS = {"subject": SUBJECT_LIMIT, "html_body": BODY_LIMIT, "text_body": BODY_LIMIT}


def _clean_text(name: str, value: Any) -> tuple[str, str | None]:
    """(cleaned text, problem or None) for a subject or body."""
    text = str(value or "")
    # The subject is one line; a body keeps its layout, and a blank text body means "none".
    text = text.strip() if name == "subject" or not text.strip() else text
    if len(text) > TEXT_LIMITS[name]:
        return text, f"must be at most {TEXT_LIMITS[name]:,} characters"
    if name != "text_body" and not text:
        return text, "is required"
    return text, None


def clean_step(data: Mapping[str, Any], creating: bool) -> dict[str, Any]:
    """Validated step fields, templates checked; InvalidInput names each field and line."""
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if "delay_days" in data or creating:
        cleaned["delay_days"] = _delay(data.get("delay_days", 0))
        if cleaned["delay_days"] is None:
            errors["delay_days"] = f"must be a whole number of days from 0 to {MAX_DELAY_DAYS}"
    for name in TEXT_LIMITS:
        if name in data or creating:
            cleaned[name], problem = _clean_text(name, data.get(name))
            if problem:
                errors[name] = problem
    templates = {name: cleaned[name] for name in TEXT_LIMITS
                 if name in cleaned and name not in errors}
    errors.update(templates_check.problems(templates))
    if errors:
        raise InvalidInput(_summary(errors), errors)
    return cleaned


def _summary(errors: Mapping[str, str]) -> str:
    first = next(iter(errors))
    return f"The step was not saved: {first}: {errors[first]}"


def next_delay(sequence: Sequence) -> int:
    """A sensible day for a new last step: three days after the current last one."""
    if not sequence.steps:
        return 0
    return min(MAX_DELAY_DAYS, max(step.delay_days for step in sequence.steps) + 3)


def add_step(sequence: Sequence, data: Mapping[str, Any],
             actor: User | None = None) -> SequenceStep:
    """Append a step to the sequence (after the last one)."""
    cleaned = clean_step(data, creating=True)
    last = max((step.position for step in sequence.steps), default=0)
    step = SequenceStep(position=last + 1, **cleaned)
    sequence.steps.append(step)
    sequence.updated_at = clock.now()
    audit.record("sequence.step_added", actor, sequence.name, _step_line(step))
    db.session.commit()
    return step


def _step_line(step: SequenceStep) -> str:
    return f"step {step.position} (day {step.delay_days}): {step.subject}"


def update_step(step: SequenceStep, data: Mapping[str, Any],
                actor: User | None = None) -> SequenceStep:
    """Change a step's delay, subject or bodies; nothing is saved if any template fails."""
    cleaned = clean_step(data, creating=False)
    changed = [name for name, value in cleaned.items() if getattr(step, name) != value]
    before = step.delay_days
    for name, value in cleaned.items():
        setattr(step, name, value)
    step.sequence.updated_at = clock.now()
    if changed:
        delay = f", day {before} → {step.delay_days}" if "delay_days" in changed else ""
        audit.record("sequence.step_changed", actor, step.sequence.name,
                     f"{_step_line(step)}; changed {', '.join(changed)}{delay}")
    db.session.commit()
    return step


def _renumber(steps: list[SequenceStep]) -> None:
    """Positions 1..n in this order; via negatives so the unique (sequence, position) holds."""
    for number, step in enumerate(steps, start=1):
        step.position = -number
    db.session.flush()
    for number, step in enumerate(steps, start=1):
        step.position = number
    db.session.flush()


def move_step(step: SequenceStep, direction: str, actor: User | None = None) -> SequenceStep:
    """Swap the step with its neighbour ('up' or 'down'); at either end nothing changes."""
    if direction not in ("up", "down"):
        raise InvalidInput("Move a step up or down.", {"direction": "must be up or down"})
    steps = sorted(step.sequence.steps, key=lambda s: s.position)
    index = steps.index(step)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(steps):
        steps[index], steps[other] = steps[other], steps[index]
        _renumber(steps)
        step.sequence.updated_at = clock.now()
        audit.record("sequence.step_moved", actor, step.sequence.name,
                     f"{step.subject}: step {index + 1} → {other + 1}")
    db.session.commit()
    return step


def delete_step(step: SequenceStep, actor: User | None = None) -> None:
    """Remove a step; the emails it produced stay in the outbox, partners keep their place."""
    sequence = step.sequence
    removed = step.position
    audit.record("sequence.step_removed", actor, sequence.name, _step_line(step))
    db.session.execute(
        update(OutboundEmail).where(OutboundEmail.step_id == step.id).values(step_id=None)
    )
    # An enrollment waiting for a later step still waits for that same step after renumbering.
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.sequence_id == sequence.id, Enrollment.status == "active",
               Enrollment.next_position > removed)
        .values(next_position=Enrollment.next_position - 1)
    )
    sequence.steps.remove(step)
    db.session.flush()
    _renumber(sorted(sequence.steps, key=lambda s: s.position))
    sequence.updated_at = clock.now()
    db.session.commit()


# --- enrollments -------------------------------------------------------------------------

# Why a sequence stopped, as the partner page says it.
STOP_REASON_TEXT = {
    "completed": "all emails sent", "reply": "the partner replied",
    "unsubscribe": "the partner unsubscribed", "bounce": "the address bounced",
    "churn": "the partner churned", "manual": "stopped by hand",
    "suppressed": "the address is suppressed", "no_address": "no email address",
    "template_error": "a template could not be rendered",
}


def enrollments_of(partner_id: int) -> list[Enrollment]:
    """A partner's enrollments, newest first, with their sequences and steps."""
    return list(db.session.scalars(
        select(Enrollment).where(Enrollment.partner_id == partner_id)
        .options(selectinload(Enrollment.sequence).selectinload(Sequence.steps))
        .order_by(Enrollment.started_at.desc(), Enrollment.id.desc())
    ))


def enroll_partner(partner: Partner, client_id: int | None, actor: User | None) -> Enrollment:
    """Start the client's welcome sequence (the default without a client) for a partner."""
    client = None
    if client_id is not None:
        client = db.session.get(Client, client_id)
        if client is None:
            raise InvalidInput("Unknown client.", {"client_id": f"there is no client #{client_id}"})
    return engine.enroll(partner, client, actor)


def stop_enrollment(enrollment: Enrollment, actor: User | None) -> Enrollment:
    """Stop an enrollment by hand; a stopped or completed one stays as it is."""
    return engine.stop(enrollment, "manual", actor)


def load_enrollment(enrollment_id: int) -> Enrollment:
    """The enrollment with this id, or NotFound."""
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound(f"There is no enrollment #{enrollment_id}.")
    return enrollment
