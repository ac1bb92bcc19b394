"""A seeded program of two clients side by side, kept as plain Python records as well.

The tests compute every expected figure from these records with Python alone, then compare
with what the report's SQL says, so the two are independent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from crm.extensions import db
from crm.models import (
    LOGGABLE_KINDS,
    SOURCES,
    STAGES,
    Client,
    CommissionChange,
    Enrollment,
    Interaction,
    Meeting,
    Membership,
    OutboundEmail,
    PerformanceDay,
    Placement,
    Promotion,
    User,
)
from tests.factories import make_client, make_partner, make_user
from tests.reports import helpers

FIRST = datetime(2025, 12, 1, tzinfo=UTC)
SPAN_DAYS = 99  # to 9 March 2026: the day before the test clock's today


@dataclass
class Program:
    client: Client
    other: Client
    managers: list[User]
    memberships: list[Membership] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    emails: list[OutboundEmail] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)
    changes: list[CommissionChange] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    promotions: list[Promotion] = field(default_factory=list)
    days: list[PerformanceDay] = field(default_factory=list)

    def of(self, rows: list, client: Client) -> list:
        """Rows whose membership is in the client's program."""
        ids = {m.id for m in self.memberships if m.client_id == client.id}
        return [row for row in rows if row.membership_id in ids]


def _instant(rng: random.Random) -> datetime:
    return FIRST + timedelta(minutes=rng.randrange(SPAN_DAYS * 24 * 60))


def _day(rng: random.Random) -> date:
    return (FIRST + timedelta(days=rng.randrange(SPAN_DAYS))).date()


def build(manager: User, partners: int = 40, seed: int = 6) -> Program:
    """Two clients sharing some partners, with a spread of every kind of row over 99 days."""
    rng = random.Random(seed)
    program = Program(make_client(name="Acme Outdoor", brand_notes="INTERNAL-BRAND-NOTE"),
                      make_client(name="Borealis Bank", currency="EUR"),
                      [manager, make_user(name="Otto Owner")])
    sequences = {c.id: helpers.make_sequence(c) for c in (program.client, program.other)}
    for number in range(partners):
        partner = make_partner(name=f"Partner {number:02d}", source=rng.choice(SOURCES),
                               stage=rng.choice(STAGES))
        for client in (program.client, program.other):
            if rng.random() < 0.7:
                _member(rng, program, partner, client, sequences[client.id])
        _interactions(rng, program, partner)
    db.session.commit()
    return program


def _member(rng, program: Program, partner, client: Client, sequence) -> None:
    started = _day(rng) if rng.random() < 0.6 else None
    membership = helpers.make_member(partner, client, _instant(rng), status="approved",
                                     started_on=started)
    program.memberships.append(membership)
    if rng.random() < 0.8:
        _welcome(rng, program, partner, client, sequence)
    if rng.random() < 0.5:
        status = rng.choice(("scheduled", "held", "no_show", "cancelled"))
        program.meetings.append(helpers.make_meeting(partner, rng.choice(program.managers),
                                                     client, _instant(rng), status))
    _growth(rng, program, membership)
    _performance(rng, program, membership)


def _welcome(rng, program: Program, partner, client: Client, sequence) -> None:
    reason = rng.choice(("", "reply", "bounce", "unsubscribe", "completed"))
    enrollment = helpers.make_enrollment(partner, client, sequence, _instant(rng),
                                         status="stopped" if reason else "active",
                                         stop_reason=reason)
    program.enrollments.append(enrollment)
    for _ in range(rng.randrange(4)):
        sent = _instant(rng) if rng.random() < 0.7 else None
        program.emails.append(helpers.make_email(partner, enrollment, sent))


def _growth(rng, program: Program, membership: Membership) -> None:
    if rng.random() < 0.4:
        program.changes.append(helpers.make_commission_change(
            membership, _day(rng), reason="INTERNAL-REASON"))
    if rng.random() < 0.4:
        start = _day(rng)
        program.placements.append(helpers.make_placement(
            membership, start, start + timedelta(days=rng.randrange(30)),
            fee_cents=rng.choice((None, 25_000, 99_950)), notes="INTERNAL-PLACEMENT-NOTE"))
    if rng.random() < 0.4:
        start = _day(rng)
        end = None if rng.random() < 0.3 else start + timedelta(days=rng.randrange(20))
        program.promotions.append(helpers.make_promotion(membership, start, end))


def _performance(rng, program: Program, membership: Membership) -> None:
    for day in rng.sample(range(SPAN_DAYS), 12):
        program.days.append(helpers.new_day(
            membership, (FIRST + timedelta(days=day)).date(), clicks=rng.randrange(500),
            conversions=rng.randrange(20), revenue_cents=rng.randrange(200_000),
            commission_cents=rng.randrange(20_000)))


def _interactions(rng, program: Program, partner) -> None:
    for _ in range(rng.randrange(6)):
        kind = rng.choice((*LOGGABLE_KINDS, "system"))
        author = None if kind == "system" or rng.random() < 0.1 else rng.choice(program.managers)
        interaction = Interaction(
            partner_id=partner.id, kind=kind, occurred_at=_instant(rng),
            summary="Talked", body="INTERNAL-INTERACTION-BODY",
            author_id=author.id if author else None, created_at=_instant(rng))
        db.session.add(interaction)
        program.interactions.append(interaction)
