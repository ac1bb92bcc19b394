"""Figure: 10,000 emails through the real pipeline vs a bare smtplib loop (aim: ratio >= 0.5).

Both send the same 10,000 messages to the same loopback aiosmtpd sink (its own process).
The bare loop is one smtplib connection sending the messages' prebuilt bytes (`sendmail`),
the least any sender can do. The pipeline is what production runs: rows in PostgreSQL, ids
on Redis, two `dramatiq outreach.worker` processes (8 threads each) claiming, rendering,
sending and recording every email. Pipeline time runs from the first enqueue to the moment
the database shows all 10,000 rows sent.

The loop measured before 2026-12-02 sent prebuilt `EmailMessage` objects with
`send_message`, which parses and flattens each one on the way out; it is printed too, so
older figures stay comparable.

    .venv/bin/python bench/outbox_pipeline.py [--emails 10000]   # BENCH_THREADS=8 per worker
"""

from __future__ import annotations

import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bench.scheduler_tick import machine  # noqa: E402
from crm import create_app  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.models import OutboundEmail  # noqa: E402
from outreach.dispatch import dispatch_emails  # noqa: E402
from outreach.messages import new_message_id, render_message  # noqa: E402
from outreach.outbox import envelope_of  # noqa: E402
from tests.services import free_port, start_postgres, start_redis  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "8"))
BODY = ("Hi there,\n\nWelcome to the Summit Outdoor partner program. Your tracking links are "
        "in the dashboard; reply to this email with any question.\n\nMia\n") * 3


def start_sink() -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
         "-l", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            smtplib.SMTP("127.0.0.1", port, timeout=1).quit()
            return process, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("aiosmtpd sink did not start")


def queue_rows(count: int) -> list[int]:
    from crm import clock

    at = clock.now()
    rows = [{"to_address": f"reader{n}@list.example.com", "to_name": f"Reader {n}",
             "from_address": "partners@rapport.example.com", "from_name": "Mia Manager",
             "subject": f"Welcome, reader {n}", "text_body": BODY, "html_body": "",
             "headers": {}, "message_id": new_message_id("rapport.example.com"),
             "status": "queued", "attempts": 0, "last_error": "", "next_attempt_at": at,
             "created_at": at} for n in range(count)]
    ids = list(db.session.scalars(insert(OutboundEmail.__table__)
                                  .returning(OutboundEmail.__table__.c.id), rows))
    db.session.commit()
    return ids


def bare_loops(ids: list[int], port: int) -> tuple[float, float]:
    """Seconds for the bytes loop and for the older send_message loop."""
    wires = [render_message(envelope_of(db.session.get(OutboundEmail, i))) for i in ids]
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for wire in wires:
        smtp.sendmail(wire.sender, [wire.recipient], wire.data)
    smtp.quit()
    as_bytes = time.perf_counter() - started
    messages = [wire.parsed() for wire in wires]
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for message in messages:
        smtp.send_message(message)
    smtp.quit()
    return as_bytes, time.perf_counter() - started


def sent_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(OutboundEmail.id))
                             .where(OutboundEmail.status == "sent"))


def pipeline(app, ids: list[int], env: dict[str, str]) -> float:
    workers = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "outreach.worker", "--processes", "2",
         "--threads", str(THREADS), "--queues", "outbox"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        warm = queue_rows(16)  # let both processes boot and connect before timing
        dispatch_emails(warm)
        while sent_count() < len(warm):
            time.sleep(0.1)
        started = time.perf_counter()
        dispatch_emails(ids)
        while sent_count() < len(ids) + len(warm):
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        os.killpg(workers.pid, 15)
        workers.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=10_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    postgres, redis_server = start_postgres(), start_redis()
    sink, port = start_sink()
    folder = tempfile.mkdtemp(prefix="rapport-pipeline-")
    settings = {"DATABASE_URL": postgres.url, "SECRET_KEY": "bench",
                "BROKER_URL": redis_server.url, "SMTP_URL": f"smtp://127.0.0.1:{port}",
                "MAIL_FROM": "Partnerships <partners@rapport.example.com>"}
    env = {**os.environ, **{f"RAPPORT_{k}": v for k, v in settings.items()}}
    try:
        app = create_app({**settings, "INSTANCE_PATH": Path(folder)})
        with app.app_context():
            upgrade()
            bare_ids = queue_rows(args.emails)
            bare, bare_messages = bare_loops(bare_ids, port)
            db.session.execute(OutboundEmail.__table__.delete())
            db.session.commit()
            piped = pipeline(app, queue_rows(args.emails), env)
            db.session.remove()
            db.engine.dispose()
        bare_rate, pipe_rate = args.emails / bare, args.emails / piped
        print(f"bare smtplib loop, 1 connection : {args.emails:,} emails in {bare:.2f}s = "
              f"{bare_rate:,.0f}/s")
        print(f"  (older loop, send_message     : {args.emails / bare_messages:,.0f}/s, "
              f"ratio against it {pipe_rate * bare_messages / args.emails:.2f})")
        print(f"pipeline, 2 workers x {THREADS} threads : {args.emails:,} emails in {piped:.2f}s = "
              f"{pipe_rate:,.0f}/s")
        print(f"ratio pipeline/bare: {pipe_rate / bare_rate:.2f} (aim >= 0.5)")
    finally:
        sink.terminate()
        sink.wait()
        redis_server.stop()
        postgres.stop()


if __name__ == "__main__":
    main()
