"""The scheduler tick: due sequence steps and call reminders become outbox rows; lost sends
are re-dispatched.

Work per tick is proportional to what is due: a partial index on active enrollments'
next_due_at answers "what is due now" without reading the others. Two schedulers never
double the work: the tick runs under a lease row, and the outbox's unique
(enrollment, step) key makes a second row for one step impossible anyway.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import update

from crm import clock
from crm.extensions import db
from crm.models import Lease
from outreach import outbox
from outreach.due_steps import queue_due_steps
from outreach.reminders import queue_due_reminders

log = logging.getLogger(__name__)
BATCH = 1000
LEASE_NAME = "scheduler"
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def take_lease(now: datetime, seconds: int, holder: str = HOLDER) -> bool:
    """Hold the scheduler lease until now + seconds, if it is free, expired or ours."""
    if db.session.get(Lease, LEASE_NAME) is None:
        db.session.add(Lease(name=LEASE_NAME, holder="", expires_at=now))
        try:
            db.session.commit()
        except Exception:  # another scheduler created it first; the UPDATE below decides
            db.session.rollback()
    taken = db.session.execute(
        update(Lease)
        .where(Lease.name == LEASE_NAME, (Lease.expires_at <= now) | (Lease.holder == holder))
        .values(holder=holder, expires_at=now + timedelta(seconds=seconds))
    ).rowcount == 1
    db.session.commit()
    return taken


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
    return queued + len(reminders)


def run_forever(interval: float, stop_event) -> None:
    """Tick every `interval` seconds under the lease until `stop_event` is set."""
    while not stop_event.is_set():
        try:
            if take_lease(clock.now(), int(interval * 4)):
                tick()
        except Exception:  # a tick failure must not kill the loop; the next tick retries
            log.exception("scheduler tick failed")
            db.session.rollback()
        finally:
            db.session.remove()
        stop_event.wait(interval)
