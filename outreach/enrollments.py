"""Putting partners into welcome sequences and taking them out."""

from __future__ import annotations

from sqlalchemy import select

from crm import clock
from crm.errors import Conflict, InvalidInput
from crm.extensions import db
from crm.models import Client, Enrollment, Partner, Sequence, SequenceStep, User
from crm.partners.service import record_event
from outreach import default_sequence
from outreach.sequences import hours_of, step_due_at, zone_of


def ensure_default_sequence() -> Sequence:
    """The shipped welcome sequence, created on first use."""
    sequence = db.session.scalar(select(Sequence).where(Sequence.client_id.is_(None)))
    if sequence is not None:
        return sequence
    now = clock.now()
    sequence = Sequence(name=default_sequence.NAME, client_id=None, created_at=now,
                        updated_at=now)
    sequence.steps = [
        SequenceStep(position=number, **step)
        for number, step in enumerate(default_sequence.STEPS, start=1)
    ]
    db.session.add(sequence)
    db.session.flush()
    return sequence


def sequence_for(client: Client | None) -> Sequence:
    """The client's own sequence if it has one, else the default."""
    if client is not None:
        own = db.session.scalar(select(Sequence).where(Sequence.client_id == client.id))
        if own is not None and own.steps:
            return own
    return ensure_default_sequence()


def active_enrollment(partner_id: int, sequence_id: int) -> Enrollment | None:
    return db.session.scalar(select(Enrollment).where(
        Enrollment.partner_id == partner_id, Enrollment.sequence_id == sequence_id,
        Enrollment.status == "active",
    ))


def enroll(
    partner: Partner, client: Client | None, actor: User | None,
    sequence: Sequence | None = None, commit: bool = True,
) -> Enrollment:
    """Start a sequence for a partner; one active enrollment per partner and sequence."""
    if not partner.email_key:
        raise InvalidInput("This partner has no email address.", {"email": "is required"})
    sequence = sequence or sequence_for(client)
    if not sequence.steps:
        raise InvalidInput("The sequence has no steps.", {"sequence_id": "has no steps"})
    if active_enrollment(partner.id, sequence.id) is not None:
        raise Conflict(f"{partner.name} is already in '{sequence.name}'.",
                       {"sequence_id": "already enrolled"})
    now = clock.now()
    hours = hours_of(sequence.send_weekdays, sequence.send_from, sequence.send_until)
    first = sequence.steps[0]
    enrollment = Enrollment(
        partner_id=partner.id, sequence_id=sequence.id,
        client_id=client.id if client else None, status="active",
        next_position=first.position, started_at=now,
        next_due_at=step_due_at(now, first.delay_days, zone_of(partner.timezone), hours, now),
        started_by_id=actor.id if actor else None,
    )
    db.session.add(enrollment)
    record_event(partner, f"Enrolled in '{sequence.name}'", "", actor)
    if commit:
        db.session.commit()
    return enrollment


def stop(enrollment: Enrollment, reason: str, actor: User | None) -> Enrollment:
    """Stop an enrollment by hand (or for a reason found elsewhere); idempotent."""
    if enrollment.status == "active":
        _stop(enrollment, reason, actor)
        db.session.commit()
    return enrollment


def stop_all(partner_id: int, reason: str, actor: User | None = None) -> int:
    """Stop every active enrollment of a partner in the caller's transaction (it commits)."""
    active = db.session.scalars(select(Enrollment).where(
        Enrollment.partner_id == partner_id, Enrollment.status == "active")).all()
    for enrollment in active:
        _stop(enrollment, reason, actor)
    return len(active)


def _stop(enrollment: Enrollment, reason: str, actor: User | None) -> None:
    enrollment.status = "stopped"
    enrollment.stop_reason = reason
    enrollment.stopped_at = clock.now()
    enrollment.next_due_at = None
    record_event(enrollment.partner, f"Sequence '{enrollment.sequence.name}' stopped: {reason}",
                 "", actor)
