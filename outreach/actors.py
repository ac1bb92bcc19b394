"""Thin actors: take an id, call the engine, let the row record the result."""

from __future__ import annotations

import dramatiq
from dramatiq import Broker
from flask import current_app

from outreach import outbox
from outreach.dispatch import dispatch_emails
from outreach.mailer import mailer_from_url


def _mailer():
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mailer = app.extensions.get("rapport.mailer")
    if mailer is None:
        mailer = app.extensions["rapport.mailer"] = mailer_from_url(app.config["RAPPORT_SMTP_URL"])
    return mailer


def send_email(outbound_id: int) -> None:
    """Deliver one outbox row (a second delivery of the same message is a no-op)."""
    outcome = outbox.deliver(outbound_id, _mailer())
    if outcome.retry_in is not None:
        dispatch_emails([outbound_id], delay_ms=int(outcome.retry_in * 1000))


def declare(broker: Broker) -> dict[str, dramatiq.Actor]:
    """Declare the actors on this broker and remember them on the app."""
    actors = {
        "send_email": dramatiq.actor(
            send_email, broker=broker, actor_name="send_email", queue_name="outbox",
            max_retries=3, min_backoff=1000, time_limit=120_000,
        ),
    }
    return actors
