"""Figure: the follow-up scan over 100,000 partners, 1,000,000 interactions and 3,000,000
performance rows (aim < 5 s).

Seeds with bench/seed.py (real migrations), adds 20,000 finished welcome enrollments, 6,000
onboarding calls (scheduled, past without an outcome, declined), 2,000 hard-bounced
addresses, 3,000,000 performance days (10,000 approved memberships × 300 days; a fifth of
them lose half their revenue in the last 30 days), 3,000 commission changes and 2,000
placements, then runs `outreach.followups.scan` twice — the first raises the flags, the
second is the steady state — printing each rule's time and the SQL statements the scan issued.
`--index` also runs both scans again after creating a candidate index (bench database only).

    .venv/bin/python bench/followup_scan.py [--databases sqlite,postgresql] [--index SQL]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select, text  # noqa: E402

from bench.scheduler_tick import machine  # noqa: E402
from bench.seed import NOW, bench_app, seed  # noqa: E402
from crm.clock import FixedClock  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.models import (  # noqa: E402
    PLACEMENT_KINDS,
    CommissionChange,
    Enrollment,
    Meeting,
    Membership,
    Partner,
    Placement,
    Suppression,
    User,
)
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


PERFORMANCE_MEMBERSHIPS = 10_000
PERFORMANCE_DAYS = 300
PERFORMANCE_BATCH = 500  # memberships per write (150,000 rows)
PERFORMANCE_COLUMNS = ("membership_id", "day", "clicks", "conversions", "revenue_cents",
                       "commission_cents", "imported_at")


def performance(rng: random.Random) -> int:
    """3,000,000 performance days: COPY on PostgreSQL, executemany on SQLite."""
    ids = rng.sample(list(db.session.scalars(
        select(Membership.id).where(Membership.status == "approved"))), PERFORMANCE_MEMBERSHIPS)
    today, written = NOW.date(), 0
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        for first in range(0, len(ids), PERFORMANCE_BATCH):
            rows = [row for membership_id in ids[first:first + PERFORMANCE_BATCH]
                    for row in _days(rng, membership_id, today)]
            _write(raw, connection.dialect.name, "performance_days", PERFORMANCE_COLUMNS, rows)
            written += len(rows)
        raw.commit()
    return written


def _days(rng: random.Random, membership_id: int, today: date):
    # A tenth earn a lot (top performers), most a little; a fifth halve in the last 30 days.
    tier = rng.random()
    base = rng.randint(5_000, 20_000) if tier < 0.1 else (
        rng.randint(200, 2_000) if tier < 0.7 else rng.randint(0, 300))
    dropped = rng.random() < 0.2
    stamp = NOW.strftime("%Y-%m-%d %H:%M:%S.000000")
    for back in range(PERFORMANCE_DAYS, 0, -1):
        factor = 0.5 if dropped and back <= 30 else 1.0
        revenue = int(base * factor * (0.7 + 0.6 * rng.random()))
        yield (membership_id, (today - timedelta(days=back)).isoformat(), revenue // 50,
               revenue // 4_000, revenue, revenue * 8 // 100, stamp)


def _write(raw, dialect: str, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if dialect == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})", rows)


def growth(rng: random.Random) -> None:
    """3,000 commission changes (some in the last 180 days) and 2,000 placements."""
    ids = list(db.session.scalars(select(Membership.id).where(Membership.status == "approved")))
    today = NOW.date()
    db.session.execute(insert(CommissionChange), [
        {"membership_id": mid, "old_terms": "8% CPS", "new_terms": "10% CPS",
         "effective_on": today - timedelta(days=rng.randint(0, 400)), "reason": "",
         "created_at": NOW} for mid in rng.sample(ids, 3_000)])
    db.session.execute(insert(Placement), [
        {"membership_id": mid, "kind": rng.choice(PLACEMENT_KINDS),
         "starts_on": today - timedelta(days=rng.randint(10, 60)),
         "ends_on": today + timedelta(days=rng.randint(-30, 60)), "notes": "",
         "created_at": NOW} for mid in rng.sample(ids, 2_000)])
    db.session.commit()


def refresh_statistics() -> None:
    """As seed.py does: a freshly loaded table has no statistics (nor visibility map)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            # Pages still in the write-ahead log are read through it: slow for 3M new rows.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    # SQLite reads the statistics when a connection opens: pooled ones would keep the old.
    db.engine.dispose()


def scans(label: str) -> None:
    """The first scan (raises the flags) and the second (steady state), rule by rule."""
    statements: list[int] = []

    def count(*_args) -> None:
        statements.append(1)

    name = db.engine.dialect.name
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for which in ("first scan", "second scan"):
            statements.clear()
            started = time.perf_counter()
            report = scan(NOW)
            elapsed = time.perf_counter() - started
            print(f"{name:10} {label} {which}: {elapsed:.2f} s, {len(statements)} statements")
            for rule, seconds in report.seconds.items():
                print(f"{'':10}   {rule:22} {seconds * 1000:8.0f} ms  "
                      f"+{report.raised[rule]:,} / -{report.cleared[rule]:,}")
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def reset_flags() -> None:
    db.session.execute(text("DELETE FROM followups"))
    db.session.commit()


def run(url: str, index: str | None) -> None:
    info = seed(url)
    app = bench_app(url)
    app.extensions["rapport.clock"] = FixedClock(NOW)
    with app.app_context():
        rng = random.Random(11)
        extras(rng)
        started = time.perf_counter()
        rows = performance(rng)
        growth(rng)
        refresh_statistics()
        name = db.engine.dialect.name
        print(f"{name:10} seeded {info.partners:,} partners, {info.interactions:,} "
              f"interactions in {info.seconds:.0f} s; {rows:,} performance rows and growth "
              f"records in {time.perf_counter() - started:.0f} s")
        scans("schema as migrated,")
        if index:
            reset_flags()
            started = time.perf_counter()
            with db.engine.begin() as connection:
                connection.exec_driver_sql(index)
            refresh_statistics()
            print(f"{name:10} created in {time.perf_counter() - started:.1f} s: {index}")
            scans("with that index,")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--index", help="CREATE INDEX … to try after the first two scans")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="rapport-scan-") as folder:
        for name in args.databases.split(","):
            if name == "sqlite":
                run(f"sqlite:///{folder}/scan.db", args.index)
            else:
                from tests.services import start_postgres

                server = start_postgres()
                try:
                    run(server.url, args.index)
                finally:
                    server.stop()


if __name__ == "__main__":
    main()
