"""Outreach fixtures: a real SMTP sink, and in-process Dramatiq workers on the app's broker."""

from __future__ import annotations

import pytest
from dramatiq import Worker

from tests.outreach.smtp_sink import SmtpSink


@pytest.fixture
def sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def app_config(sink) -> dict:
    return {"SMTP_URL": sink.url, "SEND_RETRY_BASE_SECONDS": 1,
            "MAIL_FROM": "Summit Partnerships <partners@rapport.example.com>"}


class Workers:
    """Worker threads on the app's StubBroker; `drain()` waits until every message is done."""

    def __init__(self, app) -> None:
        self.broker = app.extensions["rapport.broker"]
        # TimeLimit only starts its checker on process_boot (STACK.md).
        self.broker.emit_after("process_boot")
        self.worker = Worker(self.broker, worker_timeout=50, worker_threads=2)
        self.worker.start()

    def drain(self) -> None:
        for name in ("outbox.DQ", "outbox"):
            if name in self.broker.queues:
                self.broker.join(name, timeout=30_000)
        self.worker.join()

    def stop(self) -> None:
        self.drain()  # a message still in flight would open a connection after shutdown
        self.worker.stop()
        self.broker.close()


@pytest.fixture
def workers(app):
    workers = Workers(app)
    yield workers
    workers.stop()
