"""Demo performance figures (stub: filled in with the performance import)."""

from __future__ import annotations

import random
from datetime import datetime


def load(rng: random.Random, now: datetime) -> None:
    """Add daily performance to the demo programs' approved members."""
