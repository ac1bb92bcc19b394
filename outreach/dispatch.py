"""Handing outbox row ids to the broker, always after the rows are committed."""

from __future__ import annotations

from flask import current_app


def dispatch_emails(ids: list[int], delay_ms: int | None = None) -> None:
    """Enqueue one send message per outbox row id."""
    actor = current_app.extensions["rapport.actors"]["send_email"]
    for outbound_id in ids:
        if delay_ms:
            actor.send_with_options(args=(outbound_id,), delay=delay_ms)
        else:
            actor.send(outbound_id)
