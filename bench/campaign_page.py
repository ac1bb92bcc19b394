"""Figure: the campaign page at 100,000 enrollments, p95 (aim ≤ 300 ms).

Seeds 100,000 prospects (bench/campaign_enrol.py) and enrols them in a 3-step campaign with an
A/B subject on step 1, then writes what sending would have left: 100,000 step-1 outbox rows,
60,000 step-2 and 30,000 step-3 (1% of them bounced), 5% of the prospects replied, 2%
unsubscribed, 1% reached onboarding within 30 days. Then it requests `/campaigns/<id>` (the
figures per step and variant, the counts by status, the first page of prospects) through the
whole Flask app, signed in, 5 times untimed and 50 times timed, and prints median and p95;
also the CSV export. SQLite and PostgreSQL.

    .venv/bin/python -m bench.campaign_page [--databases sqlite,postgresql]
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

from bench.campaign_enrol import LIST, NOW, PROSPECTS, STEPS, bench_app, main, seed_prospects
from crm.campaigns import audience as audiences
from crm.campaigns import service
from crm.extensions import db
from crm.models import CampaignEnrollment, OutboundEmail
from crm.partners.queries import PartnerFilters
from outreach.bulk_writes import insert_rows, update_rows

REACHED = {1: 1.0, 2: 0.6, 3: 0.3}
CHUNK = 20_000


def sent_history(campaign) -> None:
    """Outbox rows and enrollment outcomes as if the campaign had been sending for a while."""
    steps = {step.position: step for step in campaign.steps}
    ids = list(db.session.scalars(select(CampaignEnrollment.id).where(
        CampaignEnrollment.campaign_id == campaign.id).order_by(CampaignEnrollment.id)))
    emails, updates = [], []
    for number, enrollment_id in enumerate(ids):
        share = number / len(ids)
        last = max(p for p, reach in REACHED.items() if share < reach)
        variant = "B" if enrollment_id % 2 else "A"
        for position in range(1, last + 1):
            emails.append(_email(enrollment_id, steps[position].id,
                                 variant if position == 1 else "A", number))
        reason = ("reply" if number % 20 == 0 else "unsubscribe" if number % 50 == 1
                  else "completed" if last == 3 else "")
        updates.append({"id": enrollment_id, "last_step_id": steps[last].id,
                        "last_variant": variant if last == 1 else "A",
                        "status": "active" if not reason else
                        ("completed" if reason == "completed" else "stopped"),
                        "stop_reason": reason,
                        "converted_at": NOW if number % 100 == 3 else None})
        if len(emails) >= CHUNK:
            insert_rows(OutboundEmail.__table__, emails)
            emails = []
    insert_rows(OutboundEmail.__table__, emails)
    for first in range(0, len(updates), CHUNK):
        update_rows(CampaignEnrollment.__table__, "id", updates[first:first + CHUNK])
    db.session.commit()


def _email(enrollment_id: int, step_id: int, variant: str, number: int) -> dict:
    return {"partner_id": None, "campaign_enrollment_id": enrollment_id,
            "campaign_step_id": step_id, "variant": variant,
            "to_address": f"p{enrollment_id}@example.com", "to_name": "", "from_address":
            "bench@agency.example.com", "from_name": "Bench", "subject": "Hello",
            "text_body": "Hi", "html_body": "", "headers": {},
            "message_id": f"<{enrollment_id}.{step_id}@bench>",
            "status": "bounced" if number % 100 == 7 else "sent", "attempts": 1,
            "last_error": "", "next_attempt_at": NOW, "created_at": NOW,
            "sent_at": NOW + timedelta(minutes=1)}


def timed(get, url: str, runs: int = 50, warmup: int = 5) -> list[float]:
    for _ in range(warmup):
        assert get(url).status_code == 200
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return samples


def run(url: str, instance: Path) -> None:
    app = bench_app(url, instance)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        owner, client = seed_prospects(PROSPECTS + 5_000)
        campaign = service.create_campaign({"name": "Bench", "client_id": client.id}, owner)
        for step in STEPS:
            service.add_step(campaign, step)
        audiences.enrol(campaign, audiences.Audience(PartnerFilters(source_list=LIST)), owner)
        sent_history(campaign)
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
        seeded = time.perf_counter() - started
        campaign_id, owner_id = campaign.id, owner.id
        db.session.remove()
    web = app.test_client()
    with web.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(owner_id), True
    page = timed(web.get, f"/campaigns/{campaign_id}")
    export = timed(web.get, f"/campaigns/{campaign_id}/export.csv", runs=20)
    with app.app_context():
        enrollments = db.session.scalar(select(func.count(CampaignEnrollment.id)))
        emails = db.session.scalar(select(func.count(OutboundEmail.id)))
        db.engine.dispose()
    p95 = statistics.quantiles(page, n=100, method="inclusive")[94]
    print(f"{url.split(':')[0]:10} enrollments={enrollments:,} outbox={emails:,} "
          f"page median={statistics.median(page):.0f}ms p95={p95:.0f}ms "
          f"csv median={statistics.median(export):.0f}ms (seeded in {seeded:.0f}s) "
          f"load={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main(run, __doc__, "rapport-cpage-")
