"""The scheduler tick: due sequence steps and call reminders become outbox rows; lost sends
are re-dispatched.

Work per tick is proportional to what is due: a partial index on active enrollments'
next_due_at answers "what is due now" without reading the others. Two schedulers never
double the work: the tick runs under a lease row, and the outbox's unique
(enrollment, step) key makes a second row for one step impossible anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import current_app

from crm import clock
from crm.extensions import db
from outreach import outbox
from outreach.due_steps import queue_due_steps
from outreach.leases import take_lease
from outreach.reminders import queue_due_reminders

log = logging.getLogger(__name__)
BATCH = 1000
LEASE_NAME = "scheduler"
SCAN_DUE_LEASE = "followup-scan-due"


def tick(now: datetime | None = None, dispatch: Callable[[list[int]], None] | None = None) -> int:
    """One pass: queue due steps (in batches) and call reminders, re-dispatch stalled emails.

    Returns how many emails it queued.
    """
    from outreach.dispatch import dispatch_emails

    now = now or clock.now()
    dispatch = dispatch or dispatch_emails
    queued = 0
    while True:
        processed, ids = queue_due_steps(now, BATCH)
        dispatch(ids)  # only after the batch is committed
        queued += len(ids)
        if processed < BATCH:
            break
    reminders = queue_due_reminders(now)
    dispatch(reminders)
    dispatch(outbox.stalled(now))
    _start_followup_scan(now)
    return queued + len(reminders)


def _start_followup_scan(now: datetime) -> None:
    """Hand the follow-up scan to a worker once per RAPPORT_FOLLOWUP_SCAN_MINUTES.

    The marker is a lease no holder can renew (each attempt is a new holder), so with any
    number of schedulers the scan is enqueued once per interval.
    """
    minutes = current_app.config["RAPPORT_FOLLOWUP_SCAN_MINUTES"]
    if minutes and take_lease(SCAN_DUE_LEASE, now, minutes * 60, holder=f"tick@{now.isoformat()}"):
        current_app.extensions["rapport.actors"]["scan_followups"].send()


def run_forever(interval: float, stop_event) -> None:
    """Tick every `interval` seconds under the lease until `stop_event` is set."""
    while not stop_event.is_set():
        try:
            if take_lease(LEASE_NAME, clock.now(), int(interval * 4)):
                tick()
        except Exception:  # a tick failure must not kill the loop; the next tick retries
            log.exception("scheduler tick failed")
            db.session.rollback()
        finally:
            db.session.remove()
        stop_event.wait(interval)
