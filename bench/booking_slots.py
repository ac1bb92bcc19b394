"""Figure: a manager's free booking slots with 500 calls in the window (aim: p95 ≤ 50 ms).

One manager in Berlin takes 30-minute calls (10-minute buffer) on weekdays 08:00-18:00 with
a lunch hour, 60 days ahead, with two dates off; 500 of their calls (and 50 cancelled ones)
and 300 busy times from their own calendar lie in those 60 days, among 20,000 calls
of 20 other managers. Times, 300 runs each after 20 warm-up runs:

- `slots.free_slots`: the pure computation on the 500 calls and 300 busy times in memory;
- `service.open_slots`: what a booking page asks for — reading the calls and busy times
  from the database, then the computation (the figure);
- the booking page itself, GET through the test client (slots grouped by day, the page
  rendered), for scale.

    .venv/bin/python bench/booking_slots.py [--databases sqlite,postgresql] [--runs 300]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bench.scheduler_tick import machine  # noqa: E402
from crm import create_app  # noqa: E402
from crm.booking import links, service  # noqa: E402
from crm.booking.slots import free_slots  # noqa: E402
from crm.clock import FixedClock  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.models import Availability, BusyTime, Meeting, Partner, User  # noqa: E402

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
CALLS, BUSY, OTHER_CALLS, OTHER_MANAGERS = 500, 300, 20_000, 20
HOURS = [[480, 720], [780, 1080]]  # 08:00-12:00, 13:00-18:00


def seed(rng: random.Random) -> int:
    """The manager, their availability, calls and busy times; returns their partner's id."""
    users = [User(email=f"m{n}@bench.example.com", name=f"Manager {n}", role="manager",
                  timezone="Europe/Berlin", password_hash="x", created_at=NOW)
             for n in range(OTHER_MANAGERS + 1)]
    db.session.add_all(users)
    db.session.flush()
    manager = users[0]
    db.session.add(Availability(
        user_id=manager.id, weekly_hours={str(day): HOURS for day in range(5)},
        call_minutes=30, buffer_minutes=10, notice_hours=0, horizon_days=60, max_per_day=0,
        dates_off=[["2026-04-03", "2026-04-03"], ["2026-04-06", "2026-04-06"]], video_url="",
        link_version=1, lock_serial=0, calendar_url="", calendar_username="",
        calendar_password="", calendar_error="", updated_at=NOW))
    partner = Partner(name="Bench Partner", email="p@bench.example.com",
                      email_key="p@bench.example.com", stage="onboarding", source="other",
                      timezone="America/New_York", owner_id=manager.id, channels=[],
                      created_at=NOW, updated_at=NOW, search_text="bench partner")
    db.session.add(partner)
    db.session.flush()

    def call(manager_id: int, n: int, status: str = "scheduled") -> dict:
        start = NOW + timedelta(minutes=rng.randrange(0, 60 * 24 * 60, 15))
        return {"partner_id": partner.id, "manager_id": manager_id, "uid": f"bench-{n}@x",
                "sequence": 0, "status": status,
                "partstat": "NEEDS-ACTION", "title": "Onboarding call", "starts_at": start,
                "duration_minutes": rng.choice((30, 30, 45, 60)), "timezone": "Europe/Berlin",
                "location": "", "video_url": "", "agenda": "", "outcome_notes": "",
                "booked_via": "", "created_at": NOW, "updated_at": NOW}

    rows = [call(manager.id, n) for n in range(CALLS)]
    # Cancelled calls are read past (the index still finds them) and block nothing.
    rows += [call(manager.id, CALLS + n, "cancelled") for n in range(CALLS // 10)]
    rows += [call(users[1 + n % OTHER_MANAGERS].id, 2 * CALLS + n) for n in range(OTHER_CALLS)]
    db.session.execute(insert(Meeting), rows)
    busy = []
    for _ in range(BUSY):
        start = NOW + timedelta(minutes=rng.randrange(0, 60 * 24 * 60, 30))
        busy.append({"user_id": manager.id, "starts_at": start,
                     "ends_at": start + timedelta(minutes=rng.choice((30, 60, 90)))})
    db.session.execute(insert(BusyTime), busy)
    db.session.commit()
    return partner.id


def timed(runs: int, work) -> list[float]:
    for _ in range(20):
        work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def report(name: str, label: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{name:10} {label:28} p50={statistics.median(times):6.1f} ms  p95={p95:6.1f} ms  "
          f"max={times[-1]:6.1f} ms")


def run(url: str, instance: Path, runs: int) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": instance,
                      "RATELIMIT_ENABLED": False})
    app.extensions["rapport.clock"] = FixedClock(NOW)
    with app.app_context():
        upgrade()
        partner_id = seed(random.Random(17))
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        name = db.engine.dialect.name
        host = service.host_for(db.session.get(Partner, partner_id).owner)
        rules = service.rules_of(host, NOW)
        calls, busy = service._taken(host.manager.id, NOW, rules, None)
        slots = free_slots(rules, NOW, calls, busy)
        print(f"{name:10} calls in the window={len(calls)} busy times={len(busy)} "
              f"free slots={len(slots)} load={os.getloadavg()[0]:.2f}")
        report(name, "free_slots (pure)", timed(runs, lambda: free_slots(rules, NOW, calls,
                                                                        busy)))
        report(name, "open_slots (database + pure)",
               timed(runs, lambda: service.open_slots(host, NOW)))
        client = app.test_client()
        path = "/book/p/" + links.partner_link(partner_id).rsplit("/", 1)[1]

        def page() -> None:
            assert client.get(path + "?tz=America/New_York").status_code == 200
            db.session.remove()

        report(name, "booking page GET", timed(runs, page))
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="rapport-slots-") as folder:
        for name in args.databases.split(","):
            if name == "sqlite":
                run(f"sqlite:///{folder}/slots.db", Path(folder) / "instance", args.runs)
            else:
                from tests.services import start_postgres

                server = start_postgres()
                try:
                    run(server.url, Path(folder) / "instance", args.runs)
                finally:
                    server.stop()


if __name__ == "__main__":
    main()
