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
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import current_app

from crm import clock
from crm.extensions import db
from outreach import busy_calendars, outbox, tick_helpers
from outreach.bulk_writes import is_postgresql
from outreach.campaign_steps import queue_due_campaign_steps
from outreach.due_steps import Share, queue_due_steps
from outreach.leases import take_lease
from outreach.mailbox.schedule import request_due_syncs
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
    queued = _queue_due_steps(now, dispatch)
    reminders = queue_due_reminders(now)
    dispatch(reminders)
    dispatch(outbox.stalled(now))
    _start_followup_scan(now)
    busy_calendars.queue_reads(now)
    request_due_syncs(now)
    return queued + len(reminders)


def _queue_due_steps(now: datetime, dispatch: Callable[[list[int]], None]) -> int:
    """Queue every due step, batch by batch; how many emails were queued.

    Rendering 10,000 emails keeps one Python process's core busy, so with
    RAPPORT_TICK_PROCESSES above 1 helper processes take batches too. On PostgreSQL every
    session takes a batch's rows FOR UPDATE SKIP LOCKED, so no two take the same row; SQLite
    has no row locks, so each process takes its own share of the ids instead. With one
    process, PostgreSQL still runs a second session in a thread, which renders while the
    first waits for the server; SQLite, with one writer, then runs one session.
    """
    app = current_app._get_current_object()
    processes = app.config["RAPPORT_TICK_PROCESSES"]
    postgresql = is_postgresql()
    if processes > 1:
        shares = [None] * processes if postgresql else [(k, processes) for k in range(processes)]
        helpers = tick_helpers.submit(app, now, BATCH, shares[1:])
        if helpers:
            queued = queue_batches(now, dispatch, share=shares[0])
            ids = tick_helpers.collect(app, helpers)
            dispatch(ids)  # each helper batch was committed before it returned
            return queued + len(ids)
    if not postgresql:
        return queue_batches(now, dispatch)

    def in_own_session() -> int:
        with app.app_context():
            try:
                return queue_batches(now, dispatch)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rapport-tick") as pool:
        other = pool.submit(in_own_session)
        queued = queue_batches(now, dispatch)
        return queued + other.result()


def queue_batches(now: datetime, dispatch: Callable[[list[int]], None],
                  batch: int | None = None, share: Share | None = None) -> int:
    """Queue due batches of `batch` (BATCH) in this session until none is left: welcome
    steps, then campaign steps."""
    batch = batch or BATCH
    queued = 0
    for queue_due in (queue_due_steps, queue_due_campaign_steps):
        while True:
            processed, ids = queue_due(now, batch, share)
            dispatch(ids)  # only after the batch is committed
            queued += len(ids)
            if processed < batch:
                break
    return queued


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
