"""Figures for the manager's mailbox: a first sync of 20,000 messages (time, peak memory), and
how long new mail takes to reach the timeline with IDLE (aim: within 5 s).

Starts a throwaway Dovecot (tests.services.start_dovecot) and writes the mailbox straight
into its Maildir: 3-40 KB messages, four in five in INBOX (a quarter of them from one of 1,000
partners, the rest newsletters and colleagues), one in five in Sent (to partners). Each sync
runs in a fresh child process against a freshly migrated database; the child reports wall
time, CPU time and its peak RSS (VmHWM) next to its RSS just before the sync, for a small
mailbox and the big one, so the difference shows what the mailbox size costs in memory.

The latency figure runs the embedded engine's pieces: in-process Dramatiq worker threads and
the IDLE watcher (outreach.mailbox.idle) against SQLite; it APPENDs one partner's reply at a
time over IMAP and waits until the reply is on the timeline, --rounds times.

    .venv/bin/python bench/mailbox_sync.py [--messages 20000] [--databases sqlite,postgresql]
    .venv/bin/python bench/mailbox_sync.py --latency-only
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scheduler_tick import machine  # noqa: E402

PARTNERS = 1_000
MIA = "mia@agency.example.com"
WORDS = ("trail", "tent", "commission", "launch", "budget", "review", "coupon", "summer",
         "placement", "banner", "newsletter", "traffic", "conversion", "payout", "season")


def body(rng: random.Random) -> str:
    size = rng.choice((3_000, 5_000, 8_000, 12_000, 40_000))
    words, length = [], 0
    while length < size:
        words.append(rng.choice(WORDS))
        length += len(words[-1]) + 1
    lines = [" ".join(words[i:i + 12]) for i in range(0, len(words), 12)]
    return "\r\n".join(lines)


def mailbox_messages(count: int, now: datetime, first: int, last: int) -> dict[str, list]:
    """Messages first..last of `count`: {"": INBOX, ".Sent": Sent} as (raw, unix time) lists."""
    rng = random.Random(first)
    folders: dict[str, list] = {"": [], ".Sent": []}
    for n in range(first, last):
        sent = n % 5 == 4
        partner = f"partner{rng.randrange(PARTNERS)}@publisher.example.com"
        other = rng.choice(("deals@shop.example.com", "team@agency.example.com",
                            "news@industry.example.com"))
        concerns_partner = n % 5 in (0, 4)
        sender, to = (MIA, partner if concerns_partner else other) if sent else (
            partner if concerns_partner else other, MIA)
        when = now - timedelta(days=80 * (count - n) / count)
        raw = (f"From: {sender}\r\nTo: {to}\r\nSubject: {rng.choice(WORDS)} {n}\r\n"
               f"Date: {format_datetime(when)}\r\nMessage-ID: <bench{n}@mail.example.com>\r\n"
               f"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
               f"{body(rng)}\r\n").encode()
        folders[".Sent" if sent else ""].append((raw, when.timestamp()))
    return folders


def _status_mb(field: str) -> float:
    # /proc, not getrusage: ru_maxrss survives exec, so a child would report its parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def rss_mb() -> float:
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


def child(database_url: str, port: int, account: str, password: str) -> None:
    """In a fresh process: migrate, add partners and the mailbox, sync once, print JSON."""
    from flask_migrate import upgrade
    from sqlalchemy import func, insert, select

    from crm import clock, create_app
    from crm.extensions import db
    from crm.models import Interaction, Mailbox, Partner, User
    from outreach.mailbox.credentials import Secrets, seal
    from outreach.mailbox.sync import sync_mailbox

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench",
                      "INSTANCE_PATH": Path(tempfile.mkdtemp(prefix="rapport-bench-"))})
    with app.app_context():
        upgrade()
        now = clock.now()
        user = User(email=MIA, name="Mia", password_hash="x", created_at=now)
        db.session.add(user)
        db.session.flush()
        db.session.execute(insert(Partner), [
            {"name": f"Partner {n}", "email": f"partner{n}@publisher.example.com",
             "email_key": f"partner{n}@publisher.example.com", "created_at": now,
             "updated_at": now, "channels": [], "stage": "active", "source": "other"}
            for n in range(PARTNERS)])
        db.session.add(Mailbox(
            user_id=user.id, email_address=MIA, imap_host="127.0.0.1", imap_port=port,
            imap_security="none", imap_username=account, smtp_host="127.0.0.1", smtp_port=25,
            smtp_security="none", smtp_username="", connected_at=now, updated_at=now,
            sealed_secrets=seal(Secrets(password, "")), sync_since=now - timedelta(days=90)))
        db.session.commit()
        mailbox_id = db.session.scalar(select(Mailbox.id))
        rss_before = rss_mb()
        started, cpu = time.perf_counter(), time.process_time()
        report = sync_mailbox(mailbox_id, run_seconds=float("inf"))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        entries = db.session.scalar(select(func.count()).select_from(Interaction))
    print(json.dumps({"wall": wall, "cpu": cpu, "rss_before_mb": rss_before,
                      "rss_peak_mb": peak_rss_mb(), "read": report.read,
                      "logged": report.logged, "skipped": report.skipped,
                      "error": report.error, "entries": entries}))


def database_url(name: str, postgres) -> str:
    if name == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='rapport-bench-')}/bench.db"
    import sqlalchemy as sa

    engine = sa.create_engine(postgres.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("DROP DATABASE IF EXISTS mailbox_bench"))
        connection.execute(sa.text("CREATE DATABASE mailbox_bench"))
    engine.dispose()
    return postgres.url.rsplit("/", 1)[0] + "/mailbox_bench"


def run_sync(server, count: int, database: str, postgres) -> dict:
    account = server.add_user()
    now = datetime.now(UTC)
    for start in range(0, count, 1000):  # a thousand at a time: this process stays small
        batch = mailbox_messages(count, now, first=start, last=min(count, start + 1000))
        for folder, messages in batch.items():
            server.write_messages(account, folder, messages)
    output = subprocess.run(
        [sys.executable, __file__, "--child", database_url(database, postgres),
         str(server.port), account.name, account.password],
        capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def sync_figures(args, server) -> None:
    from tests.services import start_postgres

    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    postgres = start_postgres() if "postgresql" in databases else None
    try:
        print("database    messages  wall     CPU      peak RSS (before)  read / logged / "
              "skipped")
        for database in databases:
            for count in (args.small, args.messages):
                r = run_sync(server, count, database, postgres)
                print(f"{database:<11} {count:>8,}  {r['wall']:6.1f}s  {r['cpu']:6.1f}s  "
                      f"{r['rss_peak_mb']:6.0f} MiB ({r['rss_before_mb']:.0f} MiB)   "
                      f"{r['read']:,} / {r['logged']:,} / {r['skipped']}"
                      f"{'  ERROR ' + r['error'] if r['error'] else ''}")
    finally:
        if postgres is not None:
            postgres.stop()


def latency_figure(args, server) -> None:
    """New mail → timeline with the IDLE watcher and in-process workers (embedded mode)."""
    from dramatiq import Worker
    from flask_migrate import upgrade
    from imapclient import IMAPClient
    from sqlalchemy import select

    from crm import clock, create_app
    from crm.extensions import db
    from crm.models import Interaction, Mailbox, Partner, User
    from outreach.mailbox.credentials import Secrets, seal
    from outreach.mailbox.idle import IdleWatcher

    account = server.add_user()
    folder = tempfile.mkdtemp(prefix="rapport-bench-")
    app = create_app({"DATABASE_URL": f"sqlite:///{folder}/latency.db", "SECRET_KEY": "bench",
                      "INSTANCE_PATH": Path(folder)})
    with app.app_context():
        upgrade()
        now = clock.now()
        user = User(email=MIA, name="Mia", password_hash="x", created_at=now)
        partner = Partner(name="Jamie", email="jamie@trailnotes.com",
                          email_key="jamie@trailnotes.com", created_at=now, updated_at=now,
                          channels=[], stage="active", source="other")
        db.session.add_all([user, partner])
        db.session.flush()
        mailbox = Mailbox(
            user_id=user.id, email_address=MIA, imap_host="127.0.0.1", imap_port=server.port,
            imap_security="none", imap_username=account.name, smtp_host="127.0.0.1",
            smtp_port=25, smtp_security="none", smtp_username="", connected_at=now,
            updated_at=now, sealed_secrets=seal(Secrets(account.password, "")),
            sync_since=now - timedelta(days=90))
        db.session.add(mailbox)
        db.session.commit()
        mailbox_id, partner_id = mailbox.id, partner.id
        broker = app.extensions["rapport.broker"]
        broker.emit_after("process_boot")
        worker = Worker(broker, worker_threads=2)
        worker.start()
        watcher = IdleWatcher(app, refresh_seconds=0.5).start()
        try:
            deadline = time.monotonic() + 30
            while mailbox_id not in watcher.idling() and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1)  # let the catch-up sync at IDLE start finish
            client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
            client.login(account.name, account.password)
            latencies = []
            for n in range(args.rounds):
                raw = (f"From: jamie@trailnotes.com\r\nTo: {MIA}\r\nSubject: Reply {n}\r\n"
                       f"Message-ID: <latency{n}@trailnotes.com>\r\n\r\nThanks!\r\n").encode()
                started = time.monotonic()
                client.append("INBOX", raw)
                while not db.session.scalar(select(Interaction.id).where(
                        Interaction.partner_id == partner_id,
                        Interaction.summary == f"Reply {n}")):
                    db.session.rollback()
                    time.sleep(0.01)
                    if time.monotonic() - started > 60:
                        raise SystemExit("a reply did not reach the timeline within 60 s")
                latencies.append(time.monotonic() - started)
                time.sleep(0.5)
            client.logout()
        finally:
            watcher.stop()
            worker.stop()
    print(f"IDLE latency, new message → timeline ({args.rounds} rounds, SQLite, embedded): "
          f"median {statistics.median(latencies):.2f}s, max {max(latencies):.2f}s (aim <= 5 s)")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--latency-only", action="store_true")
    args = parser.parse_args()
    from tests.services import start_dovecot

    print(f"machine: {machine()}")
    server = start_dovecot()
    try:
        if not args.latency_only:
            sync_figures(args, server)
        latency_figure(args, server)
    finally:
        server.remove()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
