"""Arranging outbox rows for tests."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from crm import clock
from crm.extensions import db
from crm.models import OutboundEmail, Partner

_numbers = itertools.count(1)


def make_email(partner: Partner | None = None, created_at: datetime | None = None,
               **fields: Any) -> OutboundEmail:
    """Insert an outbox row directly, as the scheduler would have queued it."""
    number = next(_numbers)
    values = {
        "partner_id": partner.id if partner else None,
        "to_address": partner.email if partner and partner.email else f"to{number}@example.com",
        "to_name": partner.name if partner else "",
        "from_address": "partners@rapport.example.com", "from_name": "Mia Manager",
        "subject": f"Email {number}", "text_body": f"Text {number}\n",
        "html_body": f"<p>Email {number}</p>",
        "headers": {"List-Unsubscribe": "<http://127.0.0.1:5000/unsubscribe/t>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        "message_id": f"<m{number}@rapport.example.com>", "status": "queued",
        "created_at": created_at or clock.now(),
    }
    values.update(fields)
    row = OutboundEmail(**values)
    db.session.add(row)
    db.session.commit()
    return row
