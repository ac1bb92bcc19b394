"""Helper processes for the scheduler tick: they render due batches on other cores.

The tick is bound by Python's CPU (10,000 emails rendered in the sandbox), and one process
runs Python on one core at a time. A helper takes due batches as the tick's own session
does (FOR UPDATE SKIP LOCKED on PostgreSQL, its own share of the ids on SQLite), so no row
is taken twice; what it queued comes back as outbox ids for the tick to dispatch. Helpers
are spawned (not forked: they share nothing with the threads of `rapport serve`) on the
first tick and kept for the process's life. RAPPORT_TICK_PROCESSES counts the tick's own
process, so 2 means one helper.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import Any

from flask import Flask

from crm import config
from outreach.due_steps import Share

log = logging.getLogger(__name__)
_EXTENSION = "rapport.tick_helpers"
_app: Flask | None = None  # the helper process's own app


def submit(app: Flask, now: datetime, batch: int,
           shares: list[Share | None]) -> list[Future]:
    """Start a helper on the due batches at `now` for each share; none for no shares."""
    helpers = len(shares)
    if helpers < 1:
        return []
    pool = app.extensions.get(_EXTENSION)
    if pool is None:
        settings = {name: app.config[f"RAPPORT_{name}"] for name in config.PARSERS}
        pool = app.extensions[_EXTENSION] = ProcessPoolExecutor(
            max_workers=helpers, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start, initargs=(settings, app.instance_path))
    try:
        return [pool.submit(queue_batches, now, batch, share) for share in shares]
    except BrokenProcessPool:
        stop(app)
        return []


def collect(app: Flask, futures: list[Future]) -> list[int]:
    """The outbox ids the helpers queued. A helper that died costs nothing but time: its
    transaction rolled back, so its rows are due again at the next tick."""
    ids: list[int] = []
    for future in futures:
        try:
            ids.extend(future.result())
        except BrokenProcessPool:
            log.exception("a tick helper process died; its batches wait for the next tick")
            stop(app)
    return ids


def stop(app: Flask) -> None:
    """Shut the helpers down (the next tick starts new ones if the setting asks)."""
    pool = app.extensions.pop(_EXTENSION, None)
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _start(settings: dict[str, Any], instance_path: str) -> None:
    global _app
    from crm import create_app
    from crm.process import freeze_startup_heap

    # Ctrl+C reaches the whole process group; the scheduler stops its helpers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    _app = create_app({**settings, "INSTANCE_PATH": instance_path})
    freeze_startup_heap()


def queue_batches(now: datetime, batch: int, share: Share | None) -> list[int]:
    """In a helper: queue due batches (of its share) until none is left; the new outbox ids."""
    from crm.extensions import db
    from outreach.scheduler import queue_batches as queue

    assert _app is not None, "runs only in a helper process"
    ids: list[int] = []
    with _app.app_context():
        try:
            queue(now, ids.extend, batch, share)
        finally:
            db.session.remove()
    return ids
