"""Figure: a client's report for the last 12 months, 20,000 partners in its program (aim < 1 s).

Seeds its own migrated database (real migrations, so the real indexes): the measured client
with 20,000 memberships and another client with 5,000 beside it (their rows must be skipped,
not just absent), 4 managers, and two years of activity for the measured client:

- 200,000 interactions (10 per member on average, a tenth of them system events),
- 20,000 welcome enrollments with 50,000 sent emails, 8,000 onboarding calls,
- 3,000 commission changes, 2,000 placements, 2,000 promotions,
- performance days for 5,000 of the 20,000 memberships on each of the last 730 days (3.65 M
  rows, so "last 12 months" and its previous period both have a full year); the other 15,000
  memberships have none, the shape of a program where a quarter of partners earn anything.
  The other client has 1,000 memberships × 730 days (0.73 M rows). The rollups the report
  reads (crm.performance.rollups) are then rebuilt from those rows, as the app's writers
  keep them, and the time that takes is printed.

Then it renders, taking turns, the manager's report page (/reports/<id>?period=last_12_months)
and the client's shared link, each ROUNDS times through the Flask test client (the whole
request: SQL, Python and Jinja), and prints median and p95.

    .venv/bin/python bench/report.py [--databases sqlite,postgresql] [--rounds 20]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from crm import create_app  # noqa: E402
from crm.clock import FixedClock  # noqa: E402
from crm.extensions import db  # noqa: E402
from crm.models import (  # noqa: E402
    INTERACTION_KINDS,
    PLACEMENT_KINDS,
    SOURCES,
    STAGES,
    Client,
    CommissionChange,
    Meeting,
    Placement,
    Promotion,
    Sequence,
    SequenceStep,
    User,
)
from crm.performance import rollups  # noqa: E402
from crm.reports import sharing  # noqa: E402
from crm.reports.periods import named  # noqa: E402

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
TODAY = NOW.date()
MEMBERS, OTHER_MEMBERS = 20_000, 5_000
EARNING, OTHER_EARNING, DAYS = 5_000, 1_000, 730
INTERACTIONS_PER_MEMBER = 10
PASSWORD = "bench-password"
STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a naive UTC DateTime on SQLite


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).strftime(STAMP)


def _ago(rng: random.Random, days: int = DAYS) -> datetime:
    return NOW - timedelta(seconds=rng.randrange(days * 86_400))


def _write(raw, dialect: str, table: str, columns: tuple[str, ...], rows) -> int:
    """COPY on PostgreSQL, executemany on SQLite; returns the rows written."""
    rows = list(rows)
    if dialect == "postgresql":
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    else:
        raw.executemany(f"INSERT INTO {table} ({', '.join(columns)}) "
                        f"VALUES ({', '.join('?' * len(columns))})", rows)
    return len(rows)


def _people() -> tuple[list[int], Client, Client, Sequence]:
    managers = [User(email=f"manager{n}@rapport.example.com", name=f"Manager {n}",
                     role="manager", created_at=NOW) for n in range(1, 5)]
    for user in managers:
        user.set_password(PASSWORD)
    client = Client(name="Summit & Pine Outfitters", created_at=NOW, growth_levers=[])
    other = Client(name="Northstar Card", created_at=NOW, growth_levers=[], currency="EUR")
    db.session.add_all([*managers, client, other])
    db.session.flush()
    sequence = Sequence(client_id=client.id, name="Welcome", created_at=NOW, updated_at=NOW,
                        steps=[SequenceStep(position=n, delay_days=3 * n, subject=f"Step {n}",
                                            html_body="<p>Hi</p>") for n in (1, 2, 3)])
    db.session.add(sequence)
    db.session.commit()
    return [u.id for u in managers], client, other, sequence


def _partners(rng, raw, dialect, managers: list[int]) -> int:
    rows = []
    for pid in range(1, MEMBERS + OTHER_MEMBERS + 1):
        created = _stamp(_ago(rng))
        email = f"partner{pid}@publisher{pid}.com"
        rows.append((pid, f"Partner {pid}", email, email, "", "", "", f"publisher{pid}.com",
                     "[]", "", "UTC", rng.choice(SOURCES), "", rng.choice(STAGES),
                     rng.choice(managers), "", email, created, created))
    return _write(raw, dialect, "partners", (
        "id", "name", "email", "email_key", "phone", "company", "website", "website_domain",
        "channels", "country", "timezone", "source", "source_list", "stage", "owner_id",
        "about", "search_text", "created_at", "updated_at"), rows)


def _memberships(rng, raw, dialect, client: Client, other: Client) -> int:
    rows = []
    for mid in range(1, MEMBERS + OTHER_MEMBERS + 1):
        joined = _ago(rng)
        started = (joined + timedelta(days=rng.randrange(30))).date().isoformat()
        rows.append((mid, mid, client.id if mid <= MEMBERS else other.id, "approved",
                     "8% CPS", started if rng.random() < 0.6 else None, _stamp(joined)))
    return _write(raw, dialect, "memberships", (
        "id", "partner_id", "client_id", "status", "commission_terms", "started_on",
        "created_at"), rows)


def _interactions(rng, raw, dialect, managers: list[int]) -> int:
    def rows():
        for iid in range(1, MEMBERS * INTERACTIONS_PER_MEMBER + 1):
            kind = rng.choice(INTERACTION_KINDS[:5]) if rng.random() < 0.9 else "system"
            at = _stamp(_ago(rng))
            yield (iid, rng.randint(1, MEMBERS), kind, "outbound", at, "Touched base",
                   "Internal note", None if kind == "system" else rng.choice(managers), at)
    return _write(raw, dialect, "interactions", (
        "id", "partner_id", "kind", "direction", "occurred_at", "summary", "body", "author_id",
        "created_at"), rows())


def _welcome(rng, raw, dialect, client: Client, sequence: Sequence) -> int:
    steps = [step.id for step in sequence.steps]
    enrollments, emails = [], []
    for eid in range(1, MEMBERS + 1):
        started = _ago(rng)
        reason = rng.choice(("", "reply", "bounce", "unsubscribe", "completed", "completed"))
        enrollments.append((eid, eid, sequence.id, client.id, "stopped" if reason else "active",
                            4, _stamp(started), reason))
        for position, step_id in enumerate(steps[:rng.choice((1, 2, 3, 3))]):
            sent = _stamp(started + timedelta(days=3 * position))
            emails.append((eid * 3 + position, eid, eid, step_id, f"partner{eid}@x.com", "",
                           "mia@agency.example.com", "", "Welcome", "Hi", "", "", "", "{}",
                           f"<bench-{eid}-{position}@rapport>", "sent", 1, "", sent, sent))
    written = _write(raw, dialect, "enrollments", (
        "id", "partner_id", "sequence_id", "client_id", "status", "next_position", "started_at",
        "stop_reason"), enrollments)
    return written + _write(raw, dialect, "outbound_emails", (
        "id", "partner_id", "enrollment_id", "step_id", "to_address", "to_name", "from_address",
        "from_name", "subject", "text_body", "html_body", "calendar_body", "calendar_method",
        "headers", "message_id", "status", "attempts", "last_error", "created_at", "sent_at"),
        emails)


def _performance(rng, raw, dialect) -> int:
    earning = [*range(1, EARNING + 1), *range(MEMBERS + 1, MEMBERS + OTHER_EARNING + 1)]
    stamp, written = _stamp(NOW), 0
    for first in range(0, len(earning), 250):
        rows = []
        for mid in earning[first:first + 250]:
            base = rng.randint(200, 20_000)
            for back in range(DAYS, 0, -1):
                revenue = int(base * (0.6 + 0.8 * rng.random()))
                rows.append((mid, (TODAY - timedelta(days=back)).isoformat(), revenue // 50,
                             revenue // 4_000, revenue, revenue * 8 // 100, stamp))
        written += _write(raw, dialect, "performance_days", (
            "membership_id", "day", "clicks", "conversions", "revenue_cents",
            "commission_cents", "imported_at"), rows)
    return written


def _orm_rows(rng, client: Client, managers: list[int]) -> None:
    """Meetings and growth records: thousands, so plain ORM bulk inserts."""
    def member() -> int:
        return rng.randint(1, MEMBERS)

    db.session.execute(insert(Meeting), [
        {"partner_id": member(), "manager_id": rng.choice(managers), "client_id": client.id,
         "uid": f"bench-{n}@rapport", "title": "Onboarding call", "starts_at": _ago(rng),
         "status": rng.choice(("scheduled", "held", "held", "no_show", "cancelled")),
         "created_at": NOW, "updated_at": NOW} for n in range(8_000)])
    db.session.execute(insert(CommissionChange), [
        {"membership_id": member(), "new_terms": "10% CPS", "old_terms": "8% CPS",
         "effective_on": _ago(rng).date(), "created_at": NOW} for _ in range(3_000)])
    db.session.execute(insert(Placement), [
        {"membership_id": member(), "kind": rng.choice(PLACEMENT_KINDS),
         "starts_on": (start := _ago(rng).date()), "ends_on": start + timedelta(days=14),
         "fee_cents": 50_000, "created_at": NOW} for _ in range(2_000)])
    db.session.execute(insert(Promotion), [
        {"membership_id": member(), "code": "SUMMIT15", "starts_on": (start := _ago(rng).date()),
         "ends_on": start + timedelta(days=10), "created_at": NOW} for _ in range(2_000)])
    db.session.commit()


def seed(app, rng: random.Random) -> tuple[Client, dict[str, int]]:
    """Fill the migrated database; returns the measured client and row counts."""
    managers, client, other, sequence = _people()
    counts = {}
    with db.engine.connect() as connection:
        raw, dialect = connection.connection.driver_connection, connection.dialect.name
        counts["partners"] = _partners(rng, raw, dialect, managers)
        counts["memberships"] = _memberships(rng, raw, dialect, client, other)
        counts["interactions"] = _interactions(rng, raw, dialect, managers)
        counts["enrollments+emails"] = _welcome(rng, raw, dialect, client, sequence)
        counts["performance_days"] = _performance(rng, raw, dialect)
        raw.commit()
    _orm_rows(rng, client, managers)
    started = time.perf_counter()
    for program in (client, other):
        rollups.rebuild(program.id)
    db.session.commit()
    print(f"  rollups rebuilt in {time.perf_counter() - started:.1f} s")
    _finish()
    return client, counts


def _finish() -> None:
    """Continue id sequences after explicit ids and refresh planner statistics."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if connection.dialect.name == "postgresql":
            for table in ("partners", "memberships", "interactions", "enrollments",
                          "outbound_emails"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))")
            connection.exec_driver_sql("VACUUM ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _time(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def measure(app, client_id: int, token: str, rounds: int) -> dict[str, list[float]]:
    """Render the manager's page and the shared link in turns, `rounds` times each."""
    web = app.test_client()
    response = web.post("/login", data={"email": "manager1@rapport.example.com",
                                        "password": PASSWORD})
    assert response.status_code == 302, "login failed"
    pages = {"manager page": f"/reports/{client_id}?period=last_12_months",
             "shared link": f"/reports/shared/{token}"}
    timings: dict[str, list[float]] = {name: [] for name in pages}
    for url in pages.values():
        _time(web, url)  # warm-up: templates compiled, caches filled
    for _ in range(rounds):
        for name, url in pages.items():
            timings[name].append(_time(web, url))
    return timings


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def run(url: str, rounds: int) -> None:
    instance = tempfile.mkdtemp(prefix="rapport-bench-instance-")
    try:
        _run_in(url, instance, rounds)
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def _run_in(url: str, instance: str, rounds: int) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key",
                      "INSTANCE_PATH": instance,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    app.extensions["rapport.clock"] = FixedClock(NOW)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        client_row, counts = seed(app, random.Random(11))
        print(f"  seeded in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
        manager = db.session.scalar(select(User).where(User.email.like("manager1@%")))
        _, token = sharing.create_share(client_row, named("last_12_months", TODAY), manager)
        client_id = client_row.id
        _print_sizes()
        db.session.remove()
    timings = measure(app, client_id, token, rounds)  # each request in its own app context
    for name, values in timings.items():
        print(f"  {name}: median {statistics.median(values) * 1000:.0f} ms, "
              f"p95 {_p95(values) * 1000:.0f} ms over {len(values)} renders")
    with app.app_context():
        db.engine.dispose()


def _print_sizes() -> None:
    rows = db.session.execute(text("SELECT count(*) FROM performance_days")).scalar()
    print(f"  performance_days in the database: {rows:,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}")
    for name in args.databases.split(","):
        print(f"{name}:")
        if name == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="rapport-bench-report-"))
            try:
                run(f"sqlite:///{folder / 'report.db'}", args.rounds)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
        else:
            from tests.services import start_postgres

            server = start_postgres()
            try:
                run(server.url, args.rounds)
            finally:
                server.stop()
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
