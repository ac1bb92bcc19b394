"""Programs with members, CSV files and what the performance table holds, for these tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Client, Interaction, Membership, Partner, PerformanceDay
from tests.factories import make_client, make_membership, make_partner

HEADER = "Date,Email,Client,Clicks,Conversions,Revenue,Commission\n"


@dataclass
class Program:
    """Forkful with Alice and Bob in its program; Carol is a partner outside it."""

    client: Client
    alice: Partner
    bob: Partner
    carol: Partner
    alice_membership: Membership
    bob_membership: Membership


def forkful(**client_fields) -> Program:
    client = make_client(name="Forkful", **client_fields)
    alice = make_partner(name="Alice Ames", email="alice@trailtested.com",
                         website="https://trailtested.com/blog", company="Trail Tested")
    bob = make_partner(name="Bob Byrne", email="bob@weeknightcooks.com",
                       website="https://weeknightcooks.com")
    carol = make_partner(name="Carol Cho", email="carol@dealsdaily.com")
    return Program(client, alice, bob, carol, make_membership(alice, client, status="approved"),
                   make_membership(bob, client, status="approved"))


def write_csv(folder: Path, content: str | bytes, name: str = "network.csv") -> Path:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def stored_days() -> list[tuple[int, date, int, int, int, int]]:
    """(membership, day, clicks, conversions, revenue, commission) of every stored day."""
    db.session.expire_all()
    rows = db.session.execute(select(
        PerformanceDay.membership_id, PerformanceDay.day, PerformanceDay.clicks,
        PerformanceDay.conversions, PerformanceDay.revenue_cents,
        PerformanceDay.commission_cents,
    ).order_by(PerformanceDay.membership_id, PerformanceDay.day))
    return [tuple(row) for row in rows]


def day_count() -> int:
    return db.session.scalar(select(func.count()).select_from(PerformanceDay))


def system_events(partner: Partner) -> list[str]:
    return list(db.session.scalars(
        select(Interaction.summary).where(Interaction.partner_id == partner.id,
                                          Interaction.kind == "system").order_by(Interaction.id)
    ))
