"""Which growth lever to suggest next for a membership: a pure rule over its growth records.

A client ranks the levers it likes (Client.growth_levers). The suggestion is the first of
them that is not already in use right now, where "in use" means:

- commission_increase: a commission change effective in the last 90 days (90 days ago
  counts), or scheduled for a later date;
- paid_placement: a placement running today or booked to start later;
- promotion: a promotion running today (no end date: open-ended) or starting later;
- exclusive_code: such a running or upcoming promotion that has a code.

content_collaboration and product_seeding leave no records here, so they are never "in use".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Protocol

RECENT_CHANGE_DAYS = 90


class _Change(Protocol):
    effective_on: date


class _Placement(Protocol):
    starts_on: date
    ends_on: date


class _Promotion(Protocol):
    code: str
    starts_on: date
    ends_on: date | None


def placement_state(placement: _Placement, today: date) -> str:
    """'upcoming', 'running' or 'ended' on `today` (both dates are inclusive)."""
    if placement.starts_on > today:
        return "upcoming"
    return "running" if placement.ends_on >= today else "ended"


def promotion_state(promotion: _Promotion, today: date) -> str:
    """'upcoming', 'running' or 'ended' on `today`; no end date means it keeps running."""
    if promotion.starts_on > today:
        return "upcoming"
    ended = promotion.ends_on is not None and promotion.ends_on < today
    return "ended" if ended else "running"


def levers_in_use(
    today: date,
    changes: Iterable[_Change],
    placements: Iterable[_Placement],
    promotions: Iterable[_Promotion],
) -> set[str]:
    """The levers this membership's records show as in use on `today` (see the module rule)."""
    in_use: set[str] = set()
    recent = today - timedelta(days=RECENT_CHANGE_DAYS)
    if any(change.effective_on >= recent for change in changes):
        in_use.add("commission_increase")
    if any(placement_state(p, today) != "ended" for p in placements):
        in_use.add("paid_placement")
    live = [p for p in promotions if promotion_state(p, today) != "ended"]
    if live:
        in_use.add("promotion")
    if any(p.code for p in live):
        in_use.add("exclusive_code")
    return in_use


def suggest_lever(preferred: Sequence[str], in_use: set[str]) -> str | None:
    """The client's first preferred lever not in use; None when there is none left."""
    return next((lever for lever in preferred if lever not in in_use), None)
