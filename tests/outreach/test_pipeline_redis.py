"""The real pipeline: Redis broker, `dramatiq outreach.worker` processes, a loopback SMTP server.

The test process queues rows and runs the scheduler tick; separate worker processes claim
and send. Waiting is by polling the database with a deadline, never by sleeping a guess.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import time as clock_time

import pytest
import redis
from sqlalchemy import func, select

from crm.clock import SystemClock
from crm.config import PROJECT_ROOT
from crm.extensions import db
from crm.models import OutboundEmail, Sequence
from outreach.dispatch import dispatch_emails
from outreach.enrollments import enroll, ensure_default_sequence
from outreach.outbox import queue_email
from outreach.scheduler import tick
from tests.factories import make_partner

LEASE_SECONDS = 5


@pytest.fixture
def app_config(sink, redis_server) -> dict:
    redis.Redis.from_url(redis_server.url).flushdb()
    return {"SMTP_URL": sink.url, "BROKER_URL": redis_server.url,
            "SEND_LEASE_SECONDS": LEASE_SECONDS, "REDISPATCH_SECONDS": 2,
            "SEND_RETRY_BASE_SECONDS": 1,
            "MAIL_FROM": "Summit Partnerships <partners@rapport.example.com>"}


@pytest.fixture
def clock():
    # Worker processes use the real clock; so must the test process here.
    return SystemClock()


class WorkerProcess:
    """`dramatiq outreach.worker` as operators run it, in its own process group."""

    def __init__(self, app, database_url: str, threads: int = 4) -> None:
        env = {**os.environ,
               "RAPPORT_DATABASE_URL": database_url,
               "RAPPORT_SECRET_KEY": app.config["SECRET_KEY"],
               "RAPPORT_BROKER_URL": app.config["RAPPORT_BROKER_URL"],
               "RAPPORT_SMTP_URL": app.config["RAPPORT_SMTP_URL"],
               "RAPPORT_MAIL_FROM": app.config["RAPPORT_MAIL_FROM"],
               "RAPPORT_SEND_LEASE_SECONDS": str(LEASE_SECONDS),
               "RAPPORT_SEND_RETRY_BASE_SECONDS": "1"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "outreach.worker", "--processes", "1",
             "--threads", str(threads), "--queues", "outbox"],
            cwd=PROJECT_ROOT, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process.stderr.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if not self.process.stderr.closed:
            self.process.stderr.close()


@pytest.fixture
def start_worker(app, database_url):
    started: list[WorkerProcess] = []

    def start(threads: int = 4) -> WorkerProcess:
        worker = WorkerProcess(app, database_url, threads)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def wait_until(condition, timeout: float, tick_while_waiting: bool = False):
    """Poll `condition` until it is truthy or the deadline passes (then fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if tick_while_waiting:
            tick()
        db.session.expire_all()
        value = condition()
        db.session.rollback()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"condition not met within {timeout}s")


def count_sent() -> int:
    return db.session.scalar(
        select(func.count(OutboundEmail.id)).where(OutboundEmail.status == "sent"))


def always_open(sequence: Sequence) -> None:
    # CI runs at any hour; business hours are tested with a fixed clock elsewhere.
    sequence.send_weekdays = list(range(7))
    sequence.send_from, sequence.send_until = clock_time(0, 0), clock_time(23, 59, 59, 999999)
    db.session.commit()


def test_the_welcome_sequence_goes_out_through_redis_and_a_worker_process(
    app, sink, start_worker, manager
):
    always_open(ensure_default_sequence())
    partners = [make_partner(name=f"Partner {n}", email=f"p{n}@pub{n}.com", owner_id=manager.id)
                for n in range(3)]
    for partner in partners:
        enroll(partner, None, manager)
    start_worker()
    assert tick() == 3
    wait_until(lambda: count_sent() == 3, timeout=60)
    assert sorted(m["To"] for m in sink.received) == [
        "Partner 0 <p0@pub0.com>", "Partner 1 <p1@pub1.com>", "Partner 2 <p2@pub2.com>"]
    for message in sink.received:
        assert message["Message-ID"].endswith("@rapport.example.com>")
        assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert [p.get_content_type() for p in message.iter_parts()] == [
            "text/plain", "text/html"]


def test_a_worker_killed_mid_batch_loses_nothing_and_duplicates_at_most_its_inflight(
    app, sink, start_worker
):
    # Given 1,000 queued emails and a worker sending them
    rows = [queue_email(to_address=f"reader{n}@list.example.com", to_name=f"Reader {n}",
                        subject=f"Batch {n}", text_body="Hello") for n in range(1000)]
    db.session.commit()
    ids = [row.id for row in rows]
    message_ids = {row.message_id for row in rows}
    first = start_worker(threads=4)
    dispatch_emails(ids)
    # When it is SIGKILLed in the middle
    wait_until(lambda: len(sink.received) >= 200, timeout=60)
    first.kill()
    sent_before_restart = len(sink.received)
    assert sent_before_restart < 1000, "the worker finished before it could be killed"
    # and restarted, with the scheduler re-dispatching what the dead worker held
    start_worker(threads=4)
    wait_until(lambda: count_sent() == 1000, timeout=120, tick_while_waiting=True)
    # Then every email arrived, and only ones in flight at the kill arrived twice
    received = Counter(m["Message-ID"] for m in sink.received)
    assert set(received) == message_ids
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    assert all(n == 2 for n in duplicates.values()), duplicates
    # At most one per worker thread that was between the SMTP reply and the commit.
    assert len(duplicates) <= 4, (sent_before_restart, duplicates)
