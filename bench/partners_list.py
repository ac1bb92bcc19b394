"""How fast are the partner list (search + two filters) and a 500-interaction partner page?

Seeds 100,000 partners and 1,000,000 interactions (bench/seed.py) into SQLite and PostgreSQL,
serves the app with gunicorn, logs in through /login, and times 50 requests of each page
(after 5 warm-up requests) next to the bare SQL the page needs, run on a plain connection.

    .venv/bin/python -m bench.partners_list [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from sqlalchemy import func, select

from bench import seed
from crm.extensions import db
from crm.models import Partner
from crm.partners.queries import PartnerFilters, partner_query, timeline_query
from tests.services import free_port, start_postgres

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
FILTERS = {"q": "outdoor", "stage": "active", "source": "conference"}
PAGE_SIZE = 50  # RAPPORT_PAGE_SIZE default: the list page's page size
TIMELINE_PAGE = 50  # entries on the partner page; the view fetches one more to know if more
AIM_MS, AIM_RATIO = 100.0, 3.0


@dataclass
class Timing:
    """Milliseconds of n runs."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[94]


def measure(actions: list[Callable[[], object]], runs: int, warmup: int) -> list[Timing]:
    """Time each action `runs` times after `warmup` untimed rounds.

    The actions take turns, so a page and its bare SQL see the same background load.
    """
    for _ in range(warmup):
        for action in actions:
            action()
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(runs):
        for action, timings in zip(actions, samples, strict=True):
            started = time.perf_counter()
            action()
            timings.append((time.perf_counter() - started) * 1000)
    return [Timing(timings) for timings in samples]


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


class Server:
    """gunicorn serving wsgi:app against one database, as a subprocess."""

    def __init__(self, url: str, workers: int, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "RAPPORT_DATABASE_URL": url, "RAPPORT_SECRET_KEY": seed.SECRET_KEY}
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers),
             "-b", f"127.0.0.1:{self.port}", "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}; see "
                                 f"{self.log.name}")
            try:
                requests.get(f"{self.base}/login", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.1)
        raise SystemExit("gunicorn did not answer within 30 s")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


def login(base: str) -> requests.Session:
    """A session signed in through the real form, CSRF token included."""
    session = requests.Session()
    page = session.get(f"{base}/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    data = {"email": seed.LOGIN_EMAIL, "password": seed.LOGIN_PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    response = session.post(f"{base}/login", data=data, allow_redirects=False, timeout=10)
    if response.status_code != 302:
        raise SystemExit(f"login failed: HTTP {response.status_code}")
    return session


def fetch(session: requests.Session, url: str, expect: str) -> Callable[[], None]:
    """A GET that must answer 200 without a redirect (to /login) and contain `expect`."""
    def get() -> None:
        response = session.get(url, timeout=30, allow_redirects=False)
        if response.status_code != 200 or expect not in response.text:
            raise SystemExit(f"GET {url}: HTTP {response.status_code}, {expect!r} not in page")
    return get


Statement = tuple[str, Any]  # SQL text and its parameters, in the driver's own style


def list_sql(dialect) -> list[Statement]:
    """What the list page asks the database (as db.paginate does): the count, the first page."""
    query = partner_query(PartnerFilters.from_args(FILTERS))
    count = select(func.count()).select_from(query.order_by(None).subquery())
    return [_driver_sql(count, dialect), _driver_sql(query.limit(PAGE_SIZE).offset(0), dialect)]


def detail_sql(dialect, partner_id: int) -> list[Statement]:
    """What the partner page needs at least: the partner row and the first timeline page."""
    partner = select(Partner).where(Partner.id == partner_id)
    timeline = timeline_query(partner_id).limit(TIMELINE_PAGE + 1)
    return [_driver_sql(partner, dialect), _driver_sql(timeline, dialect)]


def _driver_sql(statement, dialect) -> Statement:
    # Bound parameters exactly as SQLAlchemy sends them: literals would let the planner see
    # the values, which the app's queries do not (SQLite then picks another index).
    compiled = statement.compile(dialect=dialect)
    params = compiled.construct_params()
    if compiled.positiontup is not None:
        return str(compiled), tuple(params[name] for name in compiled.positiontup)
    return str(compiled), params


def run_sql(engine: sa.Engine, statements: list[Statement]) -> Callable[[], list]:
    """Run the statements on one plain DBAPI connection, fetching every row."""
    raw = engine.raw_connection()

    def run() -> list:
        cursor = raw.cursor()
        rows = []
        for sql, params in statements:
            cursor.execute(sql, params)
            rows.append(cursor.fetchall())
        cursor.close()
        raw.rollback()  # end the read transaction as a request would
        return rows
    return run


def bench_database(kind: str, url: str, args) -> dict[str, object]:
    print(f"\n== {kind} ==", flush=True)
    info = seed.seed(url)
    print(f"seeded {info.partners:,} partners, {info.interactions:,} interactions in "
          f"{info.seconds:.1f} s", flush=True)
    app = seed.bench_app(url)
    with app.app_context():
        engine, dialect = db.engine, db.engine.dialect
        list_statements = list_sql(dialect)
        detail_statements = detail_sql(dialect, info.heavy_partner_id)
        bare_list = run_sql(engine, list_statements)
        bare_detail = run_sql(engine, detail_statements)
        matches = bare_list()[0][0][0]
        print(f"list: {matches} partners match {FILTERS}", flush=True)
        results = _serve_and_measure(kind, url, info, args, bare_list, bare_detail)
        results["plans"] = _plans(engine, list_statements + detail_statements)
        engine.dispose()
    results["seed_seconds"] = info.seconds
    results["matches"] = matches
    results["heavy_id"] = info.heavy_partner_id
    return results


def _serve_and_measure(
    kind: str, url: str, info: seed.SeedInfo, args, bare_list: Callable, bare_detail: Callable
) -> dict[str, object]:
    server = Server(url, args.workers, DATA / f"gunicorn-{kind}.log")
    try:
        server.wait_ready()
        session = login(server.base)
        query = "&".join(f"{k}={v}" for k, v in FILTERS.items())
        list_page = fetch(session, f"{server.base}/partners/?{query}", FILTERS["q"])
        detail_page = fetch(session, f"{server.base}/partners/{info.heavy_partner_id}",
                            f"/partners/{info.heavy_partner_id}/")
        floor = fetch(session, f"{server.base}/login", "csrf_token")
        load_before = load_average()
        timings = measure([list_page, bare_list, detail_page, bare_detail, floor],
                          args.requests, args.warmup)
        return dict(zip(("list_http", "list_sql", "detail_http", "detail_sql", "floor_http"),
                        timings, strict=True)) | {"load": f"{load_before} → {load_average()}"}
    finally:
        server.stop()


def _plans(engine: sa.Engine, statements: list[Statement]) -> list[str]:
    explain = ("EXPLAIN (ANALYZE, BUFFERS) " if engine.dialect.name == "postgresql"
               else "EXPLAIN QUERY PLAN ")
    plans = []
    raw = engine.raw_connection()
    for sql, params in statements:
        cursor = raw.cursor()
        cursor.execute(explain + sql, params)
        plans.append(f"-- {sql.splitlines()[0][:60]}…\n" + "\n".join(
            " | ".join(str(c) for c in row) for row in cursor.fetchall()))
        cursor.close()
    raw.close()
    return plans


def report(kind: str, results: dict[str, object], show_plans: bool) -> None:
    print(f"\n{kind}: seeded in {results['seed_seconds']:.0f} s; list matches "
          f"{results['matches']} partners; partner #{results['heavy_id']} has "
          f"{seed.HEAVY_INTERACTIONS} interactions; load average {results['load']}")
    print(f"{'page':<28}{'HTTP median':>12}{'HTTP p95':>10}{'SQL median':>12}{'SQL p95':>9}"
          f"{'ratio':>7}  aim")
    for label, page in (("list (q + stage + source)", "list"), ("partner page (500)", "detail")):
        http, sql = results[f"{page}_http"], results[f"{page}_sql"]
        ratio = http.median / sql.median
        ok = http.p95 < AIM_MS and ratio <= AIM_RATIO
        print(f"{label:<28}{http.median:>10.1f}ms{http.p95:>8.1f}ms{sql.median:>10.2f}ms"
              f"{sql.p95:>7.2f}ms{ratio:>6.1f}x  {'met' if ok else 'MISSED'}")
    floor = results["floor_http"]
    print(f"{'floor: GET /login':<28}{floor.median:>10.1f}ms{floor.p95:>8.1f}ms  (no query)")
    if show_plans:
        for plan in results["plans"]:
            print("\n" + plan)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"machine: {machine()}; {args.requests} requests after {args.warmup} warm-up, "
          f"gunicorn -w {args.workers}", flush=True)
    DATA.mkdir(parents=True, exist_ok=True)
    for kind in args.databases.split(","):
        results = _bench_one(kind.strip(), args)
        report(kind, results, args.plans)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


def _bench_one(kind: str, args) -> dict[str, object]:
    if kind == "sqlite":
        path = DATA / "partners-list.db"
        for stale in DATA.glob("partners-list.db*"):
            stale.unlink()
        return bench_database(kind, f"sqlite:///{path}", args)
    server = start_postgres()
    try:
        return bench_database(kind, server.url, args)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
