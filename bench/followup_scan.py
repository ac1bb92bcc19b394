"""Figure: the follow-up scan over 100,000 partners and 1,000,000 interactions (aim < 5 s).

Seeds with bench/seed.py (real migrations), adds 20,000 finished welcome enrollments, 6,000
onboarding calls (scheduled, past without an outcome, declined) and 2,000 hard-bounced
addresses, then runs `outreach.followups.scan` twice — the first raises the flags, the second
is the steady state — printing each rule's time and the SQL statements the scan issued.
Performance rows (issue 5's 3,000,000) are not part of it yet: that table does not exist.

    .venv/bin/python bench/followup_scan.py [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select  # noqa: E402

from bench.scheduler_tick import machine  # noqa: E402
from bench.seed import NOW, bench_app, seed  # noqa: E402
from crm.clock import FixedClock  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.models import Enrollment, Meeting, Partner, Suppression, User  # noqa: E402
from outreach.enrollments import ensure_default_sequence  # noqa: E402
from outreach.followups import scan  # noqa: E402


def extras(rng: random.Random) -> None:
    ids = list(db.session.scalars(select(Partner.id)))
    manager_id = db.session.scalar(select(User.id))
    sequence = ensure_default_sequence()
    db.session.execute(insert(Enrollment), [
        {"partner_id": pid, "sequence_id": sequence.id, "status": "completed",
         "next_position": 4, "started_at": NOW - timedelta(days=rng.randint(8, 60)),
         "stopped_at": NOW - timedelta(days=rng.randint(0, 7)), "stop_reason": "completed"}
        for pid in rng.sample(ids, 20_000)])
    calls = []
    for n, pid in enumerate(rng.sample(ids, 6_000)):
        kind = n % 3
        calls.append({
            "partner_id": pid, "manager_id": manager_id, "uid": f"bench-{n}@rapport",
            "sequence": 0, "title": "Onboarding call", "duration_minutes": 30,
            "status": "scheduled", "partstat": "DECLINED" if kind == 2 else "ACCEPTED",
            "starts_at": NOW + timedelta(days=3) if kind != 1 else NOW - timedelta(days=2),
            "timezone": "UTC", "location": "", "video_url": "", "agenda": "",
            "outcome_notes": "", "created_at": NOW, "updated_at": NOW})
    db.session.execute(insert(Meeting), calls)
    keys = db.session.scalars(select(Partner.email_key).where(
        Partner.email_key.is_not(None)).limit(2_000))
    db.session.execute(insert(Suppression), [
        {"email_key": key, "reason": "hard_bounce", "detail": "550", "created_at": NOW}
        for key in keys])
    db.session.commit()


def run(url: str) -> None:
    info = seed(url)
    app = bench_app(url)
    app.extensions["rapport.clock"] = FixedClock(NOW)
    with app.app_context():
        extras(random.Random(11))
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")
        statements: list[int] = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        for label in ("first scan", "second scan"):
            statements.clear()
            started = time.perf_counter()
            report = scan(NOW)
            elapsed = time.perf_counter() - started
            rules = "  ".join(f"{rule} {seconds * 1000:.0f} ms (+{report.raised[rule]:,}"
                              f"/-{report.cleared[rule]:,})"
                              for rule, seconds in report.seconds.items())
            print(f"{db.engine.dialect.name:10} {label}: {elapsed:.2f} s, "
                  f"{len(statements)} statements  [{rules}]")
        print(f"{db.engine.dialect.name:10} seeded {info.partners:,} partners, "
              f"{info.interactions:,} interactions in {info.seconds:.0f} s")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="rapport-scan-") as folder:
        for name in args.databases.split(","):
            if name == "sqlite":
                run(f"sqlite:///{folder}/scan.db")
            else:
                from tests.services import start_postgres

                server = start_postgres()
                try:
                    run(server.url)
                finally:
                    server.stop()


if __name__ == "__main__":
    main()
