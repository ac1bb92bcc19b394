"""The embedded mode's engine: Dramatiq worker threads and the scheduler inside one process."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from dramatiq import Worker
from flask import Flask

from outreach.mailbox.idle import IdleWatcher
from outreach.scheduler import run_forever


@dataclass
class Engine:
    worker: Worker
    scheduler: threading.Thread
    stop_event: threading.Event
    idle: IdleWatcher | None = None

    def stop(self) -> None:
        self.stop_event.set()
        if self.idle is not None:
            self.idle.stop()
        self.scheduler.join(timeout=30)
        self.worker.stop()


def start(app: Flask) -> Engine:
    """Start worker threads on the app's broker, a scheduler thread ticking under the lease and
    the mailboxes' IDLE watcher."""
    broker = app.extensions["rapport.broker"]
    # TimeLimit starts its checker only on process_boot (STACK.md).
    broker.emit_after("process_boot")
    worker = Worker(broker, worker_threads=app.config["RAPPORT_WORKER_THREADS"])
    worker.start()
    stop_event = threading.Event()

    def tick_loop() -> None:
        with app.app_context():
            run_forever(app.config["RAPPORT_TICK_SECONDS"], stop_event)

    scheduler = threading.Thread(target=tick_loop, name="rapport-scheduler", daemon=True)
    scheduler.start()
    # Connected mailboxes' IDLE connections wake a sync on new mail (outreach.mailbox.idle).
    idle = IdleWatcher(app).start() if app.config["RAPPORT_MAILBOX_IDLE"] else None
    return Engine(worker, scheduler, stop_event, idle)
