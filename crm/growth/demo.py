"""Demo growth records: commission history, paid placements and promotions for a share of
the demo's approved memberships, each with its line on the partner's timeline.

Rows only (no service calls, no email), written into load_demo's transaction. Every past
commission history ends at the membership's current terms, so the terms in force agree
with Membership.commission_terms; a few memberships also have a raise scheduled.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.growth.common import format_day
from crm.growth.placements import describe_placement
from crm.growth.promotions import describe_promotion
from crm.models import CommissionChange, Interaction, Membership, Placement, Promotion

# Earlier terms a partner started on, and the next step up, per demo client.
LADDERS = {
    "Summit & Pine Outfitters": ("6% CPS", "7% CPS", "8% CPS", "10% CPS", "12% CPS (tier-1)",
                                 "14% CPS (tier-1)"),
    "Forkful Meal Kits": ("$35 CPA", "$40 CPA", "$45 CPA first box", "$30 CPA + 5% CPS",
                          "$50 CPA first box"),
    "Northstar Card": ("$100 CPA per approved card", "$120 CPA per approved card", "$150 CPA",
                       "$90 CPA + $10 per activation", "$175 CPA"),
}
REASONS = (
    "Top-10 partner by revenue last quarter.",
    "Conversion rate well above the program average; matching a competitor's offer.",
    "Agreed at the quarterly review in exchange for a dedicated review and homepage slot.",
    "New content series featuring the brand every month.",
    "Tier upgrade after passing the quality review.",
)
PROMOTION_TERMS = {
    "Summit & Pine Outfitters": "20% off the spring tent range; full-price items only.",
    "Forkful Meal Kits": "60% off the first box for new customers; one use per household.",
    "Northstar Card": "A $200 welcome bonus after $1,000 spend in 3 months; show APR and fees.",
}
# Fees in whole dollars; finance pays more for the same slot.
FEES = {"Northstar Card": (1500, 2500, 4000, 6000), "default": (250, 400, 750, 1250, 2000)}
NOTES = ("Invoice on publication.", "Two rounds of copy review with the brand.",
         "Includes a pinned social post.", "")


def load(rng: random.Random, now: datetime) -> None:
    """Add commission changes, placements and promotions to the demo programs."""
    today = now.date()
    for membership in _approved():
        roll = rng.random()
        if roll < 0.5:
            _commission_history(rng, membership, now, today)
        if 0.3 < roll < 0.75:
            _placements(rng, membership, now, today)
        if roll > 0.6:
            _promotion(rng, membership, now, today)


def _approved() -> list[Membership]:
    query = (select(Membership).where(Membership.status == "approved")
             .options(joinedload(Membership.client), joinedload(Membership.partner))
             .order_by(Membership.id))
    return list(db.session.scalars(query))


def _joined(membership: Membership) -> date:
    return membership.started_on or membership.created_at.date()


def _at(rng: random.Random, day: date, now: datetime) -> datetime:
    """A working-hours moment on `day` (UTC), never after now."""
    when = datetime.combine(day, time(rng.randint(8, 16), rng.choice((0, 15, 30, 45))), UTC)
    return min(when, now - timedelta(minutes=rng.randrange(5, 120, 5)))


def _event(rng: random.Random, membership: Membership, summary: str, body: str,
           day: date, now: datetime) -> None:
    when = max(_at(rng, day, now), membership.created_at)
    db.session.add(Interaction(
        partner_id=membership.partner_id, kind="system", direction="internal",
        occurred_at=when, summary=summary, body=body,
        author_id=membership.partner.owner_id, created_at=when))


def _commission_history(rng: random.Random, membership: Membership, now: datetime,
                        today: date) -> None:
    ladder = LADDERS.get(membership.client.name)
    current = membership.commission_terms
    if not ladder or current not in ladder:
        return
    rung = ladder.index(current)
    lower, higher = ladder[:rung] or ladder[rung + 1:], ladder[rung + 1:] or ladder[:rung]
    joined = _joined(membership)
    span = max((today - joined).days, 1)
    effective = joined + timedelta(days=rng.randint(min(10, span), span))
    _change(rng, membership, rng.choice(lower[-2:]), current, min(effective, today), now)
    if rng.random() < 0.2:
        _change(rng, membership, current, rng.choice(higher[:2]),
                today + timedelta(days=rng.randint(5, 40)), now)


def _change(rng: random.Random, membership: Membership, old: str, new: str,
            effective_on: date, now: datetime) -> None:
    recorded = min(effective_on, now.date()) - timedelta(days=rng.randint(0, 4))
    reason = rng.choice(REASONS)
    db.session.add(CommissionChange(
        membership=membership, old_terms=old, new_terms=new, effective_on=effective_on,
        reason=reason, created_by_id=membership.partner.owner_id,
        created_at=max(_at(rng, recorded, now), membership.created_at)))
    _event(rng, membership, f"Commission at {membership.client.name}: {old} → {new} from "
           f"{format_day(effective_on)}", reason, recorded, now)


def _placement_kind(rng: random.Random, membership: Membership) -> str:
    channels = set(membership.partner.channels or [])
    for channel, kind in (("youtube", "video"), ("newsletter", "newsletter"),
                          ("coupon", "homepage_feature"), ("cashback", "banner")):
        if channel in channels and rng.random() < 0.7:
            return kind
    return rng.choice(("dedicated_review", "listicle", "social_post", "newsletter"))


def _placements(rng: random.Random, membership: Membership, now: datetime,
                today: date) -> None:
    # Offsets from today: an ended one, then maybe a running or an upcoming one.
    starts = [-rng.randint(20, 120)] + rng.sample([-rng.randint(0, 6), rng.randint(4, 40)],
                                                  rng.randint(0, 2))
    fees = FEES.get(membership.client.name, FEES["default"])
    for offset in starts:
        starts_on = max(today + timedelta(days=offset), _joined(membership))
        fee = rng.choice(fees) * 100 if rng.random() < 0.85 else None
        placement = Placement(
            membership=membership, kind=_placement_kind(rng, membership), starts_on=starts_on,
            ends_on=starts_on + timedelta(days=rng.choice((0, 6, 13, 29))), fee_cents=fee,
            notes=rng.choice(NOTES), created_by_id=membership.partner.owner_id)
        recorded = min(starts_on, today) - timedelta(days=rng.randint(3, 14))
        placement.created_at = max(_at(rng, recorded, now), membership.created_at)
        db.session.add(placement)
        _event(rng, membership, f"Paid placement at {membership.client.name}: "
               f"{describe_placement(placement)}", placement.notes, recorded, now)


def _promotion(rng: random.Random, membership: Membership, now: datetime, today: date) -> None:
    name = membership.partner.company or membership.partner.name
    slug = "".join(ch for ch in name.upper() if ch.isascii() and ch.isalnum())[:8]
    starts_on = max(today - timedelta(days=rng.randint(-20, 60)), _joined(membership))
    ends_on = None if rng.random() < 0.25 else starts_on + timedelta(days=rng.choice((14, 30)))
    terms = PROMOTION_TERMS.get(membership.client.name, "")
    promotion = Promotion(
        membership=membership, code=f"{slug}{rng.choice((10, 15, 20))}" if rng.random() < 0.8
        else "", starts_on=starts_on, ends_on=ends_on, terms=terms,
        created_by_id=membership.partner.owner_id)
    recorded = min(starts_on, today) - timedelta(days=rng.randint(2, 10))
    promotion.created_at = max(_at(rng, recorded, now), membership.created_at)
    db.session.add(promotion)
    _event(rng, membership, f"Promotion at {membership.client.name}: "
           f"{describe_promotion(promotion)}", terms, recorded, now)
