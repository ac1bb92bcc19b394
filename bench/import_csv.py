"""How long does importing a 100,000-row recruitment list take, and how much memory?

Writes a realistic CSV (about 5% duplicates: half of earlier rows, half of partners already in
the database; about 1% invalid rows) to a temporary folder, then for each database runs, in a
fresh child process against a freshly migrated database holding 5,000 partners, the same
service functions the UI and `rapport import-partners` call: the preview, then the commit.
Prints wall time (and the child's CPU time) of each, the child's peak RSS
(resource.getrusage) and the machine.

    .venv/bin/python bench/import_csv.py [--rows 100000] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXISTING = 5_000
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
USER_EMAIL = "bench@rapport.example.com"
FIRST = ("Ann", "Bob", "Chloé", "Dmitri", "Eva", "Farah", "Gus", "Hana", "Ivan", "Jo", "Kai",
         "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Yuki")
LAST = ("Lee", "Müller", "Garcia", "Okafor", "Smith", "Rossi", "Nowak", "Kim", "Silva", "Dubois",
        "Khan", "Jensen", "Novak", "Ito", "Brown", "Costa", "Larsen", "Haddad", "Moreau", "Bauer")
WORDS = ("trail", "deal", "pixel", "budget", "garden", "travel", "style", "saver", "kitchen",
         "camp", "urban", "coastal", "points", "family", "fitness", "harvest", "wallet")
COUNTRIES = ("US", "DE", "GB", "France", "Germany", "United States", "ES", "CA", "au", "")
ZONES = ("", "", "Europe/Berlin", "America/New_York", "Europe/London", "Asia/Singapore")
CHANNELS = ("Blog", "YouTube", "Instagram; TikTok", "Newsletter", "Blog; Newsletter", "")
TAGS = ("coupon", "content, tier-1", "loyalty", "tier-2, video", "", "")
HEADER = ("Full name", "E-mail", "Website", "Company", "Country", "Time zone", "Channels",
          "Tags", "Phone", "Notes", "Owner", "Connected on")
INVALID = (("email", "someone(at)example.com"), ("country", "Narnia"),
           ("timezone", "Mars/Olympus"), ("owner", "nobody@example.com"))


def existing_email(j: int) -> str:
    return f"existing{j}@publisher{j}.com"


def fresh_row(i: int, rng: random.Random) -> dict[str, str]:
    first, last, word = rng.choice(FIRST), rng.choice(LAST), rng.choice(WORDS)
    domain = f"{word}{rng.choice(WORDS)}{i}.com"
    website = (f"https://www.youtube.com/@{first.lower()}{i}" if i % 10 == 0
               else f"https://www.{domain}/blog")
    return {
        "Full name": f"{first} {last}", "E-mail": f"{first.lower()}.{i}@{domain}",
        "Website": website, "Company": f"{word.title()} Media {i}",
        "Country": rng.choice(COUNTRIES), "Time zone": rng.choice(ZONES),
        "Channels": rng.choice(CHANNELS), "Tags": rng.choice(TAGS),
        "Phone": f"+1 555 {i:07d}" if i % 3 else "",
        "Notes": "Met at the booth; wants a higher commission" if i % 7 == 0 else "",
        "Owner": USER_EMAIL if i % 5 == 0 else "", "Connected on": "01 Mar 2026",
    }


def write_list(path: Path, rows: int) -> dict[str, int]:
    """The benchmark CSV; returns how many rows of each kind it holds."""
    rng = random.Random(20260310)
    kinds = {"fresh": 0, "duplicate_in_file": 0, "duplicate_existing": 0, "invalid": 0}
    earlier: list[dict[str, str]] = []
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER)
        writer.writeheader()
        for i in range(rows):
            roll = rng.random()
            row = fresh_row(i, rng)
            if roll < 0.025 and earlier:  # the same person again, email typed differently
                row = dict(rng.choice(earlier), Phone="+44 20 7946 0000", Tags="again")
                row["E-mail"] = row["E-mail"].upper()
                kinds["duplicate_in_file"] += 1
            elif roll < 0.05:  # someone already in Rapport
                j = rng.randrange(EXISTING)
                row["E-mail"] = existing_email(j) if j % 2 else row["E-mail"]
                row["Website"] = f"http://publisher{j}.com" if j % 2 == 0 else row["Website"]
                kinds["duplicate_existing"] += 1
            elif roll < 0.06:
                field, value = rng.choice(INVALID)
                row[{"email": "E-mail", "country": "Country", "timezone": "Time zone",
                     "owner": "Owner"}[field]] = value
                kinds["invalid"] += 1
            else:
                kinds["fresh"] += 1
                if len(earlier) < 5_000:
                    earlier.append(row)
            writer.writerow(row)
    return kinds


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text()
                .splitlines() if line.startswith("model name")), platform.processor())
    return f"{os.cpu_count()} cores (nproc), {cpu}, {platform.platform()}, " \
           f"Python {platform.python_version()}"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---- child: one database, one process, so peak RSS is this import's alone ----

def child(url: str, csv_path: Path, instance: Path) -> dict:
    from flask_migrate import upgrade

    from crm import create_app
    from crm.clock import FixedClock
    from crm.extensions import db
    from crm.process import freeze_startup_heap

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": instance})
    freeze_startup_heap()  # as `rapport`, gunicorn (wsgi.py) and the workers do
    app.extensions["rapport.clock"] = FixedClock(NOW)
    with app.app_context():
        upgrade()
        user_id = seed_existing()
        return timed_import(csv_path, user_id) | {"dialect": db.engine.dialect.name}


def seed_existing() -> int:
    from sqlalchemy import insert

    from crm.auth.service import create_user
    from crm.extensions import db
    from crm.models import Partner
    from crm.partners.identity import search_text

    user = create_user(USER_EMAIL, "bench-password", "Bench Manager")
    rows = [
        {"name": f"Existing {j}", "email": existing_email(j), "email_key": existing_email(j),
         "phone": "", "company": "", "website": f"https://publisher{j}.com",
         "website_domain": f"publisher{j}.com", "channels": [], "country": "",
         "timezone": "UTC", "source": "referral", "source_list": "", "stage": "active",
         "about": "", "owner_id": user.id, "created_at": NOW, "updated_at": NOW,
         "search_text": search_text(f"Existing {j}", existing_email(j), f"publisher{j}.com")}
        for j in range(EXISTING)
    ]
    db.session.execute(insert(Partner), rows)
    db.session.commit()
    return user.id


def timed_import(csv_path: Path, user_id: int) -> dict:
    from sqlalchemy import func, select

    from crm.extensions import db
    from crm.imports.service import import_options, preview_import, run_import
    from crm.models import Interaction, Partner

    options = import_options(csv_path.name, "Bench list", "conference", user_id, user_id)
    rss_before = peak_rss_mb()
    started, cpu_started = time.perf_counter(), time.process_time()
    preview = preview_import(csv_path, options)
    previewed, cpu_previewed = time.perf_counter(), time.process_time()
    report = run_import(csv_path, options, expected_fingerprint=preview.fingerprint)
    imported, cpu_imported = time.perf_counter(), time.process_time()
    return {
        "preview_s": previewed - started, "import_s": imported - previewed,
        "preview_cpu_s": cpu_previewed - cpu_started, "import_cpu_s": cpu_imported - cpu_previewed,
        "rss_before_mb": rss_before, "rss_peak_mb": peak_rss_mb(), "counts": report.counts,
        "partners": db.session.scalar(select(func.count()).select_from(Partner)),
        "events": db.session.scalar(select(func.count()).select_from(Interaction)),
    }


# ---- parent: write the file, run a child per database, print the table ----

def run_child(url: str, csv_path: Path, folder: Path) -> dict:
    instance = folder / f"instance-{len(list(folder.glob('instance-*')))}"
    output = subprocess.run(
        [sys.executable, __file__, "--child", url, "--csv", str(csv_path),
         "--instance", str(instance)],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def postgres_url(server) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(server.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("CREATE DATABASE rapport_bench_import"))
    engine.dispose()
    return server.url.rsplit("/", 1)[0] + "/rapport_bench_import"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--instance", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.csv, args.instance)))
        return
    sys.path.insert(0, str(ROOT))  # for tests.services
    with tempfile.TemporaryDirectory(prefix="rapport-bench-import-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "recruitment-list.csv"
        kinds = write_list(csv_path, args.rows)
        print(f"machine: {machine()}")
        print(f"file: {args.rows:,} rows, {csv_path.stat().st_size / 2**20:.1f} MiB; "
              + ", ".join(f"{kind.replace('_', ' ')} {n:,}" for kind, n in kinds.items()))
        print(f"database: {EXISTING:,} partners before the import")
        print(f"{'database':<11} {'preview s (cpu)':>15} {'import s (cpu)':>15} "
              f"{'peak RSS MiB':>13} {'RSS before':>10}  new / merged / invalid / blank")
        for name in args.databases.split(","):
            report(name, run_on(name.strip(), csv_path, folder))


def run_on(name: str, csv_path: Path, folder: Path) -> dict | None:
    if name == "sqlite":
        return run_child(f"sqlite:///{folder / 'bench.db'}", csv_path, folder)
    from tests.services import start_postgres

    try:
        server = start_postgres()
    except BaseException as error:  # tests.services skips (raises) when PostgreSQL is missing
        print(f"postgresql: not measured ({error})")
        return None
    try:
        return run_child(postgres_url(server), csv_path, folder)
    finally:
        server.stop()


def report(name: str, result: dict | None) -> None:
    if result is None:
        return
    counts = result["counts"]
    preview = f"{result['preview_s']:.1f} ({result['preview_cpu_s']:.1f})"
    imported = f"{result['import_s']:.1f} ({result['import_cpu_s']:.1f})"
    print(f"{name:<11} {preview:>15} {imported:>15} "
          f"{result['rss_peak_mb']:>13.0f} {result['rss_before_mb']:>10.0f}  "
          f"{counts['new']:,} / {counts['merged']:,} / {counts['invalid']:,} / "
          f"{counts['blank']:,}  (partners after: {result['partners']:,}, "
          f"timeline events: {result['events']:,})")


if __name__ == "__main__":
    main()
