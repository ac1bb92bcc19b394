"""Demo performance: ~120 days of daily figures for the demo programs' approved members.

Each program gets a conversion rate, an order value and a commission model; each member a
size and a trend (steady, growing or dropping over the last weeks), weekends are quieter,
and a few days carry a reversal. Written with one executemany, then rolled up.
"""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select

from crm.extensions import db
from crm.models import Membership, PerformanceDay
from crm.performance import rollups

DAYS = 120
TRENDS = {"steady": 5, "growing": 3, "dropping": 2}


def load(rng: random.Random, now: datetime) -> None:
    """Add daily performance to the demo programs' approved members."""
    rows = db.session.execute(
        select(Membership.id, Membership.client_id, Membership.started_on)
        .where(Membership.status == "approved").order_by(Membership.id)
    ).all()
    programs: dict[int, dict[str, float]] = {}
    days = []
    end = now.date() - timedelta(days=1)
    for membership_id, client_id, started_on in rows:
        program = programs.setdefault(client_id, _program(rng))
        first = max(started_on or end - timedelta(days=DAYS - 1), end - timedelta(days=DAYS - 1))
        days += _member_days(rng, membership_id, program, first, end, now)
    if days:
        db.session.execute(insert(PerformanceDay), days)
        rollups.refresh((row["membership_id"], row["day"]) for row in days)


def _program(rng: random.Random) -> dict[str, float]:
    cpa = rng.random() < 0.5
    return {
        "conversion_rate": rng.uniform(0.012, 0.04),
        "order_value": rng.uniform(45, 150),
        "cpa": rng.choice([30, 40, 45, 90, 120]) if cpa else 0,
        "rate": 0 if cpa else rng.choice([0.08, 0.10, 0.12]),
    }


def _member_days(
    rng: random.Random, membership_id: int, program: dict[str, float], first: date, end: date,
    now: datetime,
) -> list[dict]:
    base = math.exp(rng.uniform(math.log(15), math.log(900)))  # clicks a day: few to many
    trend = rng.choices(list(TRENDS), weights=list(TRENDS.values()))[0]
    rows = []
    day = first
    while day <= end:
        age = (end - day).days  # 0 = yesterday
        clicks = max(0, round(base * _trend(trend, age) * _weekday(day) * rng.uniform(0.75, 1.25)))
        rows.append(_figures(rng, membership_id, program, day, clicks, now))
        day += timedelta(days=1)
    return rows


def _trend(trend: str, age: int) -> float:
    if trend == "growing":
        return 0.55 + 0.45 * (1 - age / DAYS) ** 1.5 * 1.8
    if trend == "dropping":  # falls over the last six weeks to about a third
        return 1.0 if age > 42 else 0.35 + 0.65 * age / 42
    return 1.0


def _weekday(day: date) -> float:
    return 0.7 if day.weekday() >= 5 else 1.0


def _figures(
    rng: random.Random, membership_id: int, program: dict[str, float], day: date, clicks: int,
    now: datetime,
) -> dict:
    expected = clicks * program["conversion_rate"]
    conversions = max(0, round(rng.gauss(expected, math.sqrt(expected) if expected else 0)))
    revenue = round(sum(rng.uniform(0.6, 1.4) for _ in range(conversions))
                    * program["order_value"] * 100)
    commission = round(conversions * program["cpa"] * 100 or revenue * program["rate"])
    if conversions and rng.random() < 0.03:  # a returned order, reversed on a later day
        reversal = round(program["order_value"] * 100)
        revenue -= reversal
        commission -= round(program["cpa"] * 100 or reversal * program["rate"])
    return {"membership_id": membership_id, "day": day, "clicks": clicks,
            "conversions": conversions, "revenue_cents": revenue,
            "commission_cents": commission, "imported_at": now}
