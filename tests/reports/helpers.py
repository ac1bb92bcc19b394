"""Small factories for report tests: rows written directly, the fewest fields each needs.

They flush but do not commit (hundreds of commits make a test slow): commit when arranged.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime

from crm import clock
from crm.extensions import db
from crm.models import (
    Client,
    CommissionChange,
    Enrollment,
    Meeting,
    Membership,
    OutboundEmail,
    Partner,
    PerformanceDay,
    Placement,
    Promotion,
    Sequence,
    User,
)

_counter = itertools.count(1)


def _save(row):
    db.session.add(row)
    db.session.flush()
    return row


def make_member(partner: Partner, client: Client, created_at: datetime, **fields) -> Membership:
    """A membership joined at a given time (the shared factory always uses now)."""
    return _save(Membership(partner_id=partner.id, client_id=client.id, created_at=created_at,
                            **fields))


def make_sequence(client: Client | None) -> Sequence:
    now = clock.now()
    return _save(Sequence(client_id=client.id if client else None,
                          name=f"Welcome {next(_counter)}", created_at=now, updated_at=now))


def make_enrollment(partner: Partner, client: Client, sequence: Sequence, started_at: datetime,
                    **fields) -> Enrollment:
    return _save(Enrollment(partner_id=partner.id, sequence_id=sequence.id, client_id=client.id,
                            started_at=started_at, **fields))


def make_email(partner: Partner, enrollment: Enrollment | None = None,
               sent_at: datetime | None = None, **fields) -> OutboundEmail:
    return _save(OutboundEmail(
        partner_id=partner.id, enrollment_id=enrollment.id if enrollment else None,
        to_address=partner.email or "x@example.com", from_address="mia@agency.example.com",
        subject="Welcome", text_body="Hello", message_id=f"<{uuid.uuid4()}@agency.example.com>",
        status="sent" if sent_at else "queued", sent_at=sent_at, created_at=clock.now(),
        **fields))


def make_meeting(partner: Partner, manager: User, client: Client | None, starts_at: datetime,
                 status: str = "scheduled") -> Meeting:
    now = clock.now()
    return _save(Meeting(partner_id=partner.id, manager_id=manager.id,
                         client_id=client.id if client else None, uid=f"{uuid.uuid4()}@test",
                         title="Onboarding call", starts_at=starts_at, status=status,
                         created_at=now, updated_at=now))


def make_commission_change(membership: Membership, effective_on: date, **fields):
    return _save(CommissionChange(membership_id=membership.id, effective_on=effective_on,
                                  created_at=clock.now(),
                                  **{"old_terms": "8%", "new_terms": "10%", **fields}))


def make_placement(membership: Membership, starts_on: date, ends_on: date, **fields):
    return _save(Placement(membership_id=membership.id, starts_on=starts_on, ends_on=ends_on,
                           created_at=clock.now(), **{"kind": "newsletter", **fields}))


def make_promotion(membership: Membership, starts_on: date, ends_on: date | None = None,
                   **fields):
    return _save(Promotion(membership_id=membership.id, starts_on=starts_on, ends_on=ends_on,
                           created_at=clock.now(), **{"code": "SPRING10", **fields}))


def make_day(membership: Membership, day: date, clicks: int = 0, conversions: int = 0,
             revenue_cents: int = 0, commission_cents: int = 0) -> PerformanceDay:
    return _save(new_day(membership, day, clicks, conversions, revenue_cents, commission_cents))


def new_day(membership: Membership, day: date, clicks: int = 0, conversions: int = 0,
            revenue_cents: int = 0, commission_cents: int = 0) -> PerformanceDay:
    """A day added but not flushed: days flushed together refresh the rollups once, where a
    flush per day refreshes them every time (most of a scenario's build time)."""
    day_row = PerformanceDay(membership_id=membership.id, day=day, clicks=clicks,
                             conversions=conversions, revenue_cents=revenue_cents,
                             commission_cents=commission_cents, imported_at=clock.now())
    db.session.add(day_row)
    return day_row
