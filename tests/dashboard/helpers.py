"""Arranging the rows the dashboard counts: flags, calls, enrollments, sends and replies."""

from __future__ import annotations

import itertools
from datetime import datetime

from crm import clock
from crm.extensions import db
from crm.models import (
    Enrollment,
    FollowUp,
    InboundMessage,
    Meeting,
    OutboundEmail,
    Partner,
    Sequence,
    User,
)

_numbers = itertools.count(1)


def flag(partner: Partner, status: str = "open", rule: str = "stale") -> FollowUp:
    row = FollowUp(partner_id=partner.id, rule=rule, reason=f"Reason {next(_numbers)}",
                   status=status, due_at=clock.now(), created_at=clock.now())
    return _saved(row)


def call(partner: Partner, manager: User, starts_at: datetime,
         status: str = "scheduled") -> Meeting:
    number = next(_numbers)
    return _saved(Meeting(partner_id=partner.id, manager_id=manager.id, uid=f"d{number}@x",
                          title=f"Call {number}", starts_at=starts_at, status=status,
                          created_at=clock.now(), updated_at=clock.now()))


def sequence(name: str) -> Sequence:
    return _saved(Sequence(name=name, created_at=clock.now(), updated_at=clock.now()))


def enroll(partner: Partner, into: Sequence, status: str = "active") -> Enrollment:
    return _saved(Enrollment(partner_id=partner.id, sequence_id=into.id, status=status,
                             started_at=clock.now()))


def sent(partner: Partner, at: datetime | None) -> OutboundEmail:
    """An outbox row sent at `at` (None: still queued)."""
    number = next(_numbers)
    return _saved(OutboundEmail(
        partner_id=partner.id, to_address=f"to{number}@example.com",
        from_address="partners@rapport.example.com", subject=f"Email {number}",
        text_body="Hi", message_id=f"<d{number}@rapport.example.com>",
        status="sent" if at else "queued", created_at=clock.now(), sent_at=at))


def received(partner: Partner, at: datetime, kind: str = "reply") -> InboundMessage:
    return _saved(InboundMessage(kind=kind, partner_id=partner.id, raw="Subject: Re",
                                 received_at=at))


def _saved(row):
    db.session.add(row)
    db.session.commit()
    return row
