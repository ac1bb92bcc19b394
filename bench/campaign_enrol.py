"""Figure: enrolling 100,000 prospects in a campaign by a filter of the partner list (aim ≤ 10 s).

Seeds 105,000 partners on one recruitment list (100,000 enrollable prospects, 2,000
unsubscribed, 2,000 already in the client's program, 1,000 without an email address), then
times the preview (counts by skip reason and the first rendered email) and the enrolment
itself (`crm.campaigns.audience.enrol`: one INSERT … SELECT of the enrollments and one of their
timeline events, in one transaction) on SQLite and PostgreSQL.

    .venv/bin/python -m bench.campaign_enrol [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from bench.scheduler_tick import machine
from crm import create_app
from crm.app_settings import set_setting
from crm.campaigns import audience as audiences
from crm.campaigns import service
from crm.clock import FixedClock
from crm.extensions import db
from crm.models import CampaignEnrollment, Client, Membership, Partner, Suppression, User
from crm.partners.queries import PartnerFilters
from outreach.bulk_writes import insert_rows
from outreach.campaign_steps import POSTAL_ADDRESS_SETTING

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
PROSPECTS = 100_000
UNSUBSCRIBED, MEMBERS, NO_EMAIL = 2_000, 2_000, 1_000
LIST = "Affiliate Summit 2026"
CHUNK = 20_000
STEPS = (
    {"delay_days": 0, "subject": "{{ client.name }} x {{ partner.company }}?",
     "subject_b": "A partnership idea, {{ partner.first_name }}",
     "html_body": "<p>Hi {{ partner.first_name }},</p><p>Would {{ partner.company }} like to "
                  "join {{ client.program }}?</p><p>{{ manager.first_name }}</p>"},
    {"delay_days": 3, "subject": "Following up, {{ partner.first_name }}",
     "html_body": "<p>Just checking you saw my note about {{ client.name }}.</p>"},
    {"delay_days": 7, "subject": "Last note from me",
     "html_body": "<p>I'll leave it here; reply any time, {{ partner.first_name }}.</p>"},
)


def bench_app(url: str, instance: Path) -> Flask:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": instance,
                      "MAIL_FROM": "Partnerships <partners@rapport.example.com>"})
    app.extensions["rapport.clock"] = FixedClock(NOW)
    return app


def seed_prospects(total: int) -> tuple[User, Client]:
    """`total` partners on LIST with the skip reasons above; the owner and the client."""
    owner = User(email="bench@rapport.example.com", name="Bench Manager", role="manager",
                 password_hash="x", created_at=NOW, daily_send_cap=10_000, warmup_start=0)
    client = Client(name="Summit Outdoor", created_at=NOW, growth_levers=[])
    db.session.add_all([owner, client])
    db.session.commit()
    set_setting(POSTAL_ADDRESS_SETTING, "Rapport Ltd\n1 Example Street, London", None)
    db.session.commit()
    zones = ("Europe/London", "America/New_York", "Europe/Berlin", "Asia/Singapore")
    for first in range(1, total + 1, CHUNK):
        insert_rows(Partner.__table__, [_partner(n, owner.id, zones[n % 4])
                                        for n in range(first, min(first + CHUNK, total + 1))])
        db.session.commit()
    last = total
    insert_rows(Suppression.__table__, [
        {"email_key": f"p{n}@pub{n}.com", "reason": "unsubscribed", "detail": "",
         "created_at": NOW} for n in range(last - UNSUBSCRIBED + 1, last + 1)])
    insert_rows(Membership.__table__, [
        {"partner_id": n, "client_id": client.id, "status": "approved", "commission_terms": "",
         "created_at": NOW} for n in range(last - UNSUBSCRIBED - MEMBERS + 1,
                                           last - UNSUBSCRIBED + 1)])
    db.session.commit()
    return owner, client


def _partner(n: int, owner_id: int, zone: str) -> dict:
    email = None if n % 105 == 0 else f"p{n}@pub{n}.com"
    return {"id": n, "name": f"Partner {n}", "email": email, "email_key": email,
            "phone": "", "website_domain": f"pub{n}.com", "website": f"https://pub{n}.com",
            "company": f"Publisher {n}", "channels": [], "country": "", "timezone": zone,
            "stage": "prospect", "source": "conference", "source_list": LIST,
            "owner_id": owner_id, "about": "", "search_text": f"partner {n}",
            "created_at": NOW, "updated_at": NOW}


def analyze() -> None:
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def run(url: str, instance: Path) -> None:
    app = bench_app(url, instance)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        total = PROSPECTS + UNSUBSCRIBED + MEMBERS + NO_EMAIL
        owner, client = seed_prospects(total)
        analyze()
        seeded = time.perf_counter() - started
        campaign = service.create_campaign({"name": "Bench", "client_id": client.id}, owner)
        for step in STEPS:
            service.add_step(campaign, step)
        audience = audiences.Audience(PartnerFilters(source_list=LIST, stage="prospect"))
        started = time.perf_counter()
        preview = audiences.preview(campaign, audience)
        previewed = time.perf_counter() - started
        started = time.perf_counter()
        enrolled, skipped = audiences.enrol(campaign, audience, owner)
        took = time.perf_counter() - started
        rows = db.session.scalar(select(func.count(CampaignEnrollment.id)))
        print(f"{db.engine.dialect.name:10} partners={total:,} enrolled={enrolled:,} "
              f"rows={rows:,} skipped={skipped} preview={previewed:.2f}s "
              f"(count {preview.count:,}) enrol={took:.2f}s (seeded in {seeded:.0f}s) "
              f"load={os.getloadavg()[0]:.2f}")
        db.session.remove()
        db.engine.dispose()


def each_database(names: str, run: Callable[[str, Path], None], prefix: str) -> None:
    """Call run(url, instance folder) on a scratch SQLite file and a throwaway PostgreSQL."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        for name in names.split(","):
            if name == "sqlite":
                run(f"sqlite:///{folder}/bench.db", Path(folder) / "instance")
            else:
                from tests.services import start_postgres

                server = start_postgres()
                try:
                    run(server.url, Path(folder) / "instance")
                finally:
                    server.stop()


def main(run: Callable[[str, Path], None] = run, doc: str = __doc__,
         prefix: str = "rapport-enrol-") -> None:
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    each_database(args.databases, run, prefix)


if __name__ == "__main__":
    main()
