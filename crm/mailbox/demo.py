"""Demo snippets: a demo user cannot connect a real mailbox, but can write with these."""

from __future__ import annotations

from datetime import datetime

from crm.extensions import db
from crm.models import Snippet, User

SNIPPETS = (
    # name, body, shared
    ("Tracking links", "Hi {{ partner.first_name }},\n\nyour tracking links are in the "
     "dashboard under Links; the deep-link generator makes one for any product page.", True),
    ("Commission tiers", "Our tiers: 8% as you start, 10% from 20 sales a month, 12% from 50. "
     "{{ partner.company or 'You' }} would be on the 10% tier from next month.", True),
    ("Call me", "Would a 20-minute call this week suit you? Pick any slot that works and I "
     "will send an invitation.\n\n{{ manager.first_name }}", False),
)


def add_snippets(users: list[User], now: datetime) -> None:
    """Two shared snippets by the first user, one personal for each of the others."""
    owner, *others = users
    for name, body, shared in SNIPPETS:
        for user in ([owner] if shared else others):
            db.session.add(Snippet(owner_id=user.id, name=name, body=body, shared=shared,
                                   created_at=now, updated_at=now))
