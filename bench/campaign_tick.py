"""Figure: one scheduler tick with 1,000,000 campaign and welcome enrollments of which 10,000
are due (aim ≤ 2 s).

Seeds 100,000 prospects owned by 50 managers (each with a daily cap of 10,000, no warm-up,
so the cap does not hold the figure back), 5 clients, 5 welcome sequences (the default and
4 clients' own, 3 steps each) and 5 campaigns (one per client, 3 steps, an A/B subject on
the first). Every prospect is in every welcome sequence and every campaign: 500,000 welcome
and 500,000 campaign enrollments; 5,000 of each are due. Then it times
`outreach.scheduler.tick()`: both engines' batches, rendering, outbox rows, timeline events,
enrollment updates, the senders' daily counts and the enqueue onto the in-process broker, on
SQLite and PostgreSQL, with the helper process a running scheduler has
(RAPPORT_TICK_PROCESSES, default 2).

    .venv/bin/python -m bench.campaign_tick [--databases sqlite,postgresql]
"""

from __future__ import annotations

import gc
import os
import random
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from bench.campaign_enrol import NOW, STEPS, bench_app, main
from crm.app_settings import set_setting
from crm.extensions import db
from crm.models import (
    Campaign,
    CampaignEnrollment,
    CampaignStep,
    Client,
    Enrollment,
    OutboundEmail,
    Partner,
    Sequence,
    SequenceStep,
    User,
)
from crm.process import freeze_startup_heap
from outreach import default_sequence, tick_helpers
from outreach.bulk_writes import insert_rows
from outreach.campaign_steps import POSTAL_ADDRESS_SETTING
from outreach.scheduler import BATCH, tick

PARTNERS = 100_000
ENGINES = 5  # sequences, and campaigns
DUE_EACH = 5_000
MANAGERS = 50
CHUNK = 50_000


def seed() -> None:
    managers = [User(email=f"m{n}@rapport.example.com", name=f"Manager {n}", role="manager",
                     password_hash="x", created_at=NOW, timezone="Europe/London",
                     sending_address=f"m{n}@agency.example.com", daily_send_cap=10_000,
                     warmup_start=0) for n in range(MANAGERS)]
    clients = [Client(name=f"Brand {n}", created_at=NOW, growth_levers=[])
               for n in range(ENGINES)]
    db.session.add_all([*managers, *clients])
    db.session.flush()
    for client in [None, *clients[1:]]:
        sequence = Sequence(name=f"Welcome {client.name if client else 'default'}",
                            client_id=client.id if client else None, created_at=NOW,
                            updated_at=NOW)
        sequence.steps = [SequenceStep(position=n, **step)
                          for n, step in enumerate(default_sequence.STEPS, start=1)]
        db.session.add(sequence)
    for number, client in enumerate(clients):
        campaign = Campaign(client_id=client.id, owner_id=managers[number].id,
                            name=f"Campaign {number}", status="active", audience={},
                            send_weekdays=list(range(7)), created_at=NOW, updated_at=NOW,
                            started_at=NOW)
        campaign.steps = [CampaignStep(position=n, **{"subject_b": "", **step})
                          for n, step in enumerate(STEPS, start=1)]
        db.session.add(campaign)
    set_setting(POSTAL_ADDRESS_SETTING, "Rapport Ltd\n1 Example Street, London", None)
    db.session.commit()
    _partners([m.id for m in managers])
    _welcome_enrollments()
    _campaign_enrollments()


def _partners(owner_ids: list[int]) -> None:
    zones = ("Europe/London", "Europe/Berlin", "Europe/Paris", "Africa/Lagos")
    for first in range(1, PARTNERS + 1, CHUNK):
        insert_rows(Partner.__table__, [
            {"id": n, "name": f"Partner {n}", "email": f"p{n}@pub{n}.com",
             "email_key": f"p{n}@pub{n}.com", "website_domain": f"pub{n}.com",
             "website": f"https://pub{n}.com", "company": f"Publisher {n}", "phone": "",
             "timezone": zones[n % 4], "stage": "prospect", "source": "search",
             "source_list": "", "country": "", "about": "",
             "owner_id": owner_ids[n % len(owner_ids)], "channels": [],
             "search_text": f"partner {n}", "created_at": NOW, "updated_at": NOW}
            for n in range(first, min(first + CHUNK, PARTNERS + 1))])
        db.session.commit()


def _due_times(rng: random.Random) -> list:
    due = set(rng.sample(range(PARTNERS * ENGINES), DUE_EACH))
    soon, later = NOW - timedelta(minutes=5), NOW + timedelta(days=30)
    return [soon if n in due else later for n in range(PARTNERS * ENGINES)]


def _welcome_enrollments() -> None:
    sequences = list(db.session.execute(select(Sequence.id, Sequence.client_id)
                                        .order_by(Sequence.id)))
    _bulk(Enrollment.__table__, sequences, _due_times(random.Random(3)), lambda s: {
        "sequence_id": s.id, "client_id": s.client_id, "stop_reason": ""})


def _campaign_enrollments() -> None:
    campaigns = list(db.session.execute(select(Campaign.id, Campaign.client_id)
                                        .order_by(Campaign.id)))
    _bulk(CampaignEnrollment.__table__, campaigns, _due_times(random.Random(4)), lambda c: {
        "campaign_id": c.id, "client_id": c.client_id, "stop_reason": "",
        "last_variant": ""})


def _bulk(table, owners, due_times, columns) -> None:
    rows, number = [], 0
    for partner_id in range(1, PARTNERS + 1):
        for owner in owners:
            rows.append({"partner_id": partner_id, "status": "active", "next_position": 1,
                         "started_at": NOW, "next_due_at": due_times[number], **columns(owner)})
            number += 1
            if len(rows) == CHUNK:
                insert_rows(table, rows)
                db.session.commit()
                rows = []
    insert_rows(table, rows)
    db.session.commit()


def run(url: str, instance: Path) -> None:
    app = bench_app(url, instance)
    freeze_startup_heap()  # as `rapport scheduler` does
    with app.app_context():
        upgrade()
        if app.config["RAPPORT_TICK_PROCESSES"] > 1:
            # A running `rapport scheduler` started its helper process at its first tick.
            tick_helpers.collect(app, tick_helpers.submit(app, NOW, BATCH, [None]))
        started = time.perf_counter()
        seed()
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        seeded = time.perf_counter() - started
        db.session.remove()
        gc.collect()
        welcome = db.session.scalar(select(func.count(Enrollment.id)))
        campaign = db.session.scalar(select(func.count(CampaignEnrollment.id)))
        started, cpu_started = time.perf_counter(), time.process_time()
        queued = tick()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        by_kind = dict(db.session.execute(
            select(OutboundEmail.campaign_enrollment_id.is_(None), func.count())
            .group_by(OutboundEmail.campaign_enrollment_id.is_(None))).all())
        print(f"{db.engine.dialect.name:10} processes={app.config['RAPPORT_TICK_PROCESSES']} "
              f"enrollments={welcome + campaign:,} (welcome {welcome:,}, campaign "
              f"{campaign:,}) due={2 * DUE_EACH:,} queued={queued:,} (welcome "
              f"{by_kind.get(True, 0):,}, campaign {by_kind.get(False, 0):,}) "
              f"tick={elapsed:.2f}s cpu={cpu:.2f}s (this process) (seeded in {seeded:.0f}s) "
              f"load={os.getloadavg()[0]:.2f}")
        db.session.remove()
        db.engine.dispose()
        tick_helpers.stop(app)


if __name__ == "__main__":
    main(run, __doc__, "rapport-ctick-")
