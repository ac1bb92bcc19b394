"""Demo growth records (stub: filled in with the growth pages)."""

from __future__ import annotations

import random
from datetime import datetime


def load(rng: random.Random, now: datetime) -> None:
    """Add commission changes, placements and promotions to the demo programs."""
