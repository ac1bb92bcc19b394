"""A sender's daily cap and warm-up, within one tick, across days, and across two scheduler
processes racing on PostgreSQL."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.campaigns import audience as audiences
from crm.campaigns.sending import update_sending
from crm.config import PROJECT_ROOT
from crm.extensions import db
from crm.models import CampaignEnrollment, OutboundEmail, SenderDay
from crm.partners.queries import PartnerFilters
from outreach.scheduler import tick
from tests.campaigns.helpers import make_campaign
from tests.factories import make_client, make_partner


def sent_count() -> int:
    return db.session.scalar(select(func.count(OutboundEmail.id)))


def arrange(manager, prospects: int, cap: int, start: int = 0, increment: int = 0):
    update_sending(manager, {"sending_address": "mia@example.com", "daily_send_cap": str(cap),
                             "warmup_start": str(start), "warmup_increment": str(increment)})
    for number in range(prospects):
        make_partner(owner_id=manager.id, tags=["tbex"], email=f"p{number}@example.com")
    campaign = make_campaign(make_client(), manager, steps=(
        {"delay_days": 0, "subject": "Hello", "html_body": "<p>Hi</p>"},))
    audiences.enrol(campaign, audiences.Audience(PartnerFilters(tag="tbex")), manager)
    return campaign


def test_the_cap_defers_what_does_not_fit_to_the_senders_next_day(
    app, clock, manager, postal_address
):
    # Mia (Berlin) may send 2 a day; 3 prospects are due
    arrange(manager, 3, cap=2)
    tick(dispatch=lambda ids: None)
    assert sent_count() == 2
    waiting = db.session.scalar(select(CampaignEnrollment).where(
        CampaignEnrollment.next_position == 1))
    # Tuesday 15:00 in Berlin: the third waits for Wednesday, 00:00 Berlin (23:00 UTC)
    assert waiting.next_due_at == clock.now().replace(hour=23)
    tick(dispatch=lambda ids: None)
    assert sent_count() == 2
    clock.set(clock.now() + timedelta(days=1))
    tick(dispatch=lambda ids: None)
    assert sent_count() == 3
    assert [d.used for d in db.session.scalars(select(SenderDay).order_by(SenderDay.day))] == [
        2, 1]


def test_the_warm_up_starts_low_and_grows_each_day(app, clock, manager, postal_address):
    arrange(manager, 6, cap=10, start=1, increment=2)
    counts = []
    for _ in range(3):
        tick(dispatch=lambda ids: None)
        counts.append(sent_count())
        clock.set(clock.now() + timedelta(days=1))
    assert counts == [1, 4, 6]  # 1, then 3, then the 2 that were left (5 allowed)


def test_two_scheduler_processes_never_pass_the_cap_together(
    app, clock, manager, postal_address, database_url, tmp_path
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer; the race needs PostgreSQL's row locks")
    arrange(manager, 20, cap=7)
    db.session.commit()
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tests.campaigns.tick_process", database_url,
         clock.now().isoformat(), str(tmp_path)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    ) for _ in range(2)]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < 2:
        assert time.monotonic() < deadline and all(p.poll() is None for p in processes), [
            p.stderr.read() for p in processes if p.poll() is not None]
        time.sleep(0.02)
    (tmp_path / "go").touch()
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    queued = [int(out.strip()) for out, _ in outputs]
    # Together the two processes queued exactly the cap, whoever took which batch
    assert sum(queued) == 7 and sent_count() == 7, queued
    assert db.session.scalar(select(SenderDay.used)) == 7
    deferred = db.session.scalar(select(func.count(CampaignEnrollment.id)).where(
        CampaignEnrollment.next_position == 1, CampaignEnrollment.next_due_at > clock.now()))
    assert deferred == 13
