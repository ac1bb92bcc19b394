"""Figure: one scheduler tick with 1,000,000 enrollments of which 10,000 are due (aim < 2 s).

Seeds 100,000 partners and 10 sequences (the default + 9 client sequences, 3 steps each),
enrolls every partner in every sequence (1,000,000 active enrollments), makes 10,000 of them
due, then times `outreach.scheduler.tick()` — rendering, outbox rows, timeline events,
enrollment updates and the enqueue onto the (in-process) broker — on SQLite and PostgreSQL.
The tick renders in RAPPORT_TICK_PROCESSES processes (default 2: this one and a helper,
started before the timing as a running scheduler has it); RAPPORT_TICK_PROCESSES=1 gives
one process (with a second session in a thread on PostgreSQL).

    .venv/bin/python bench/scheduler_tick.py [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from crm import create_app  # noqa: E402
from crm.clock import FixedClock  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.models import (  # noqa: E402
    Client,
    Enrollment,
    OutboundEmail,
    Partner,
    Sequence,
    SequenceStep,
    User,
)
from crm.process import freeze_startup_heap  # noqa: E402
from outreach import default_sequence, tick_helpers  # noqa: E402
from outreach.scheduler import BATCH, tick  # noqa: E402

PARTNERS = 100_000
SEQUENCES = 10
DUE = 10_000
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # a Tuesday, 14:00 in London
CHUNK = 20_000


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                  if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def seed() -> None:
    owner = User(email="bench@rapport.example.com", name="Bench Manager", role="manager",
                 password_hash="x", created_at=NOW)
    db.session.add(owner)
    clients = [Client(name=f"Brand {n}", created_at=NOW, growth_levers=[]) for n in range(9)]
    db.session.add_all(clients)
    db.session.flush()
    for client in [None, *clients]:
        sequence = Sequence(name=f"Welcome {client.name if client else 'default'}",
                            client_id=client.id if client else None, created_at=NOW,
                            updated_at=NOW)
        sequence.steps = [SequenceStep(position=n, **step)
                          for n, step in enumerate(default_sequence.STEPS, start=1)]
        db.session.add(sequence)
    db.session.commit()
    _partners(owner.id)
    _enrollments()


def _partners(owner_id: int) -> None:
    for first in range(1, PARTNERS + 1, CHUNK):
        db.session.execute(insert(Partner), [
            {"id": n, "name": f"Partner {n}", "email": f"p{n}@pub{n}.com",
             "email_key": f"p{n}@pub{n}.com", "website_domain": f"pub{n}.com",
             "website": f"https://pub{n}.com", "company": f"Publisher {n}",
             "timezone": "Europe/London", "stage": "onboarding", "source": "search",
             "owner_id": owner_id, "channels": [], "search_text": f"partner {n}",
             "created_at": NOW, "updated_at": NOW}
            for n in range(first, min(first + CHUNK, PARTNERS + 1))
        ])
        db.session.commit()


def _enrollments() -> None:
    rng = random.Random(3)
    sequence_ids = list(db.session.scalars(select(Sequence.id).order_by(Sequence.id)))
    due = set(rng.sample(range(PARTNERS * SEQUENCES), DUE))
    rows, number = [], 0
    later = NOW + timedelta(days=30)
    for partner_id in range(1, PARTNERS + 1):
        for sequence_id in sequence_ids:
            rows.append({"partner_id": partner_id, "sequence_id": sequence_id,
                         "status": "active", "next_position": 1, "started_at": NOW,
                         "next_due_at": NOW - timedelta(minutes=5) if number in due else later,
                         "stop_reason": ""})
            number += 1
            if len(rows) == CHUNK:
                db.session.execute(insert(Enrollment), rows)
                db.session.commit()
                rows = []
    if rows:
        db.session.execute(insert(Enrollment), rows)
        db.session.commit()


def run(url: str, instance: Path, profile: bool = False) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": instance,
                      "MAIL_FROM": "Partnerships <partners@rapport.example.com>"})
    freeze_startup_heap()  # as `rapport scheduler` does
    app.extensions["rapport.clock"] = FixedClock(NOW)
    with app.app_context():
        upgrade()
        if app.config["RAPPORT_TICK_PROCESSES"] > 1:
            # A running `rapport scheduler` started its helper process at its first tick.
            tick_helpers.collect(app, tick_helpers.submit(app, NOW, BATCH, [None]))
        started = time.perf_counter()
        seed()
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        seeded = time.perf_counter() - started
        db.session.remove()  # the tick starts as in a scheduler process, without the seeding's
        gc.collect()         # objects and garbage
        total = db.session.scalar(select(func.count(Enrollment.id)))
        profiler = cProfile.Profile() if profile else None
        started, cpu_started = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        queued = tick()
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started  # this process only, not the PostgreSQL server
        if profiler:
            order = os.environ.get("BENCH_SORT", "cumulative")  # or tottime
            pstats.Stats(profiler).sort_stats(order).print_stats(45)
        rows = db.session.scalar(select(func.count(OutboundEmail.id)))
        name, processes = db.engine.dialect.name, app.config["RAPPORT_TICK_PROCESSES"]
        print(f"{name:10} processes={processes} enrollments={total:,} due={DUE:,} "
              f"queued={queued:,} outbox_rows={rows:,} tick={elapsed:.2f}s "
              f"cpu={cpu:.2f}s (this process) "
              f"(seeded in {seeded:.0f}s) load={os.getloadavg()[0]:.2f}")
        db.session.remove()
        db.engine.dispose()
        tick_helpers.stop(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--profile", action="store_true", help="print where the tick spends time")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="rapport-tick-") as folder:
        for name in args.databases.split(","):
            if name == "sqlite":
                run(f"sqlite:///{folder}/tick.db", Path(folder) / "instance", args.profile)
            else:
                from tests.services import start_postgres

                server = start_postgres()
                try:
                    run(server.url, Path(folder) / "instance", args.profile)
                finally:
                    server.stop()


if __name__ == "__main__":
    main()
