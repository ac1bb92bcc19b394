"""Handing outbox row ids to the broker, always after the rows are committed."""

from __future__ import annotations

from flask import current_app

# Ids per broker message. One message per email made the broker (a Redis round trip to
# enqueue, one to fetch, one to ack) a large share of each send; 20 keeps 16 worker threads
# busy on a 1,000-email batch while cutting that overhead twentyfold.
CHUNK = 20


def dispatch_emails(ids: list[int], delay_ms: int | None = None) -> None:
    """Enqueue the outbox row ids, CHUNK per message."""
    actor = current_app.extensions["rapport.actors"]["send_emails"]
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start:start + CHUNK])
        if delay_ms:
            actor.send_with_options(args=(chunk,), delay=delay_ms)
        else:
            actor.send(chunk)
