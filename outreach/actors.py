"""Thin actors: take an id, call the engine, let the row record the result."""

from __future__ import annotations

import dramatiq
from dramatiq import Broker
from flask import current_app

from outreach import outbox
from outreach.dispatch import dispatch_emails
from outreach.mailbox.mailers import SenderMailers
from outreach.mailer import mailer_from_url


def _mailer():
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    mailer = app.extensions.get("rapport.mailer")
    if mailer is None:
        # The system mailer, and each connected mailbox's own SMTP server for its user's rows.
        mailer = app.extensions["rapport.mailer"] = SenderMailers(
            mailer_from_url(app.config["RAPPORT_SMTP_URL"]))
    return mailer


def send_emails(outbound_ids: list[int]) -> None:
    """Deliver outbox rows one after the other on this worker's connection.

    Only queued rows are claimed, so a second delivery of the message (or a retry of it
    after a crash half-way) sends only what was not sent; a temporary failure schedules
    that one row again.
    """
    for outbound_id, outcome in outbox.deliver(outbound_ids, _mailer()):
        if outcome.retry_in is not None:
            dispatch_emails([outbound_id], delay_ms=int(outcome.retry_in * 1000))


def scan_followups() -> None:
    """Run the follow-up rules once (skipped if another scan holds the lease)."""
    from outreach.followups import scan

    scan()


def read_calendar(user_id: int) -> None:
    """Read one manager's own calendar for busy times (a failure is recorded on their row)."""
    from outreach.busy_calendars import refresh

    refresh(user_id)


def sync_mailbox(mailbox_id: int) -> None:
    """Read what is new in one connected mailbox; a long first sync continues in a new message."""
    from outreach.mailbox.schedule import request_sync
    from outreach.mailbox.sync import sync_mailbox as sync

    report = sync(mailbox_id)
    if not report.finished and not report.busy and not report.error:
        request_sync(mailbox_id)


def declare(broker: Broker) -> dict[str, dramatiq.Actor]:
    """Declare the actors on this broker and remember them on the app."""
    actors = {
        # The time limit covers a whole chunk: CHUNK sends at the SMTP timeout each, worst case.
        "send_emails": dramatiq.actor(
            send_emails, broker=broker, actor_name="send_emails", queue_name="outbox",
            max_retries=3, min_backoff=1000, time_limit=900_000,
        ),
        # No retries: the next interval scans again anyway.
        "scan_followups": dramatiq.actor(
            scan_followups, broker=broker, actor_name="scan_followups", queue_name="followups",
            max_retries=0, time_limit=900_000,
        ),
        # No retries: the next interval reads the calendar again anyway.
        "read_calendar": dramatiq.actor(
            read_calendar, broker=broker, actor_name="read_calendar", queue_name="calendars",
            max_retries=0, time_limit=120_000,
        ),
        # No retries: the scheduler reads the mailbox again at the next interval anyway, and
        # a run stops by itself after RUN_SECONDS (the limit is a backstop).
        "sync_mailbox": dramatiq.actor(
            sync_mailbox, broker=broker, actor_name="sync_mailbox", queue_name="mailbox",
            max_retries=0, time_limit=900_000,
        ),
    }
    return actors
