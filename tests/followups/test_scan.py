"""Each rule flags the right partners at its threshold, once; clearing the condition resolves
the flag; snoozes come back; a logged interaction resolves "gone quiet" at once."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from crm.extensions import db
from crm.models import Enrollment, FollowUp, FollowUpRule, Lease, Meeting, Sequence
from crm.partners import service
from outreach import followups
from outreach.enrollments import ensure_default_sequence
from outreach.suppressions import suppress
from tests.factories import make_partner

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def flags(rule=None, status=None):
    query = select(FollowUp.partner_id, FollowUp.rule, FollowUp.status).order_by(FollowUp.id)
    if rule:
        query = query.where(FollowUp.rule == rule)
    if status:
        query = query.where(FollowUp.status == status)
    return list(db.session.execute(query))


def open_partners(rule):
    return {row.partner_id for row in flags(rule) if row.status == "open"}


def quiet(stage, days, seconds=0):
    touched = NOW - timedelta(days=days, seconds=seconds)
    return make_partner(stage=stage, last_interaction_at=touched)


def test_stale_flags_at_the_per_stage_threshold_and_not_before(app):
    just_over = quiet("active", 30, seconds=1)
    exactly = quiet("active", 30)
    fresh = quiet("active", 29)
    onboarding = quiet("onboarding", 8)
    prospect = quiet("prospect", 300)  # no threshold for prospects

    followups.scan(NOW)

    assert open_partners("stale") == {just_over.id, onboarding.id}
    assert {exactly.id, fresh.id, prospect.id}.isdisjoint(open_partners("stale"))
    [reason] = db.session.scalars(select(FollowUp.reason).where(
        FollowUp.partner_id == just_over.id))
    assert reason == "No contact for 30+ days (active)"


def test_repeated_scans_do_not_duplicate_flags(app):
    partner = quiet("active", 40)

    first = followups.scan(NOW)
    second = followups.scan(NOW + timedelta(hours=1))

    assert (first.raised["stale"], second.raised["stale"]) == (1, 0)
    assert flags("stale") == [(partner.id, "stale", "open")]


def test_logging_an_interaction_resolves_gone_quiet_at_once(app, manager):
    partner = quiet("active", 40)
    followups.scan(NOW)

    service.log_interaction(partner, manager, "call", "Caught up on Q2 plans")

    [flag] = db.session.scalars(select(FollowUp))
    assert (flag.status, flag.resolution) == ("resolved", "interaction logged")


def test_a_cleared_condition_resolves_the_flag(app):
    partner = quiet("active", 40)
    followups.scan(NOW)
    partner.stage = "prospect"  # no longer a stage with a threshold
    db.session.commit()

    report = followups.scan(NOW + timedelta(minutes=5))

    assert report.cleared["stale"] == 1
    assert flags("stale") == [(partner.id, "stale", "resolved")]


def test_a_snoozed_flag_comes_back_after_its_date(app, clock):
    partner = quiet("active", 40)
    followups.scan(NOW)
    [flag] = db.session.scalars(select(FollowUp))
    followups.snooze(flag, NOW + timedelta(days=2))

    followups.scan(NOW + timedelta(days=1))
    assert flags("stale") == [(partner.id, "stale", "snoozed")]
    followups.scan(NOW + timedelta(days=2))
    assert flags("stale") == [(partner.id, "stale", "open")]


def test_resolving_by_hand_puts_the_note_on_the_timeline(app, manager):
    from crm.models import Interaction

    quiet("active", 40)
    followups.scan(NOW)
    [flag] = db.session.scalars(select(FollowUp))

    followups.resolve(flag, "Emailed her agent instead", manager)

    assert flag.status == "resolved" and flag.resolved_by_id == manager.id
    body = db.session.scalar(select(Interaction.body).where(
        Interaction.summary.startswith("Follow-up resolved")))
    assert body == "Emailed her agent instead"


def test_an_admin_threshold_and_switch_are_used(app):
    partner = quiet("active", 12)
    db.session.add(FollowUpRule(name="stale", params={"days_by_stage": {"active": 10}},
                                updated_at=NOW))
    db.session.commit()

    followups.scan(NOW)
    assert open_partners("stale") == {partner.id}

    db.session.get(FollowUpRule, "stale").enabled = False
    db.session.commit()
    followups.scan(NOW)
    assert open_partners("stale") == set()


def enrollment(partner, *, finished_days_ago):
    sequence = ensure_default_sequence()
    row = Enrollment(partner_id=partner.id, sequence_id=sequence.id, status="completed",
                     next_position=4, started_at=NOW - timedelta(days=20),
                     stopped_at=NOW - timedelta(days=finished_days_ago), stop_reason="completed")
    db.session.add(row)
    db.session.commit()
    return row


def test_welcome_unanswered(app):
    silent = make_partner(stage="onboarding", last_interaction_at=NOW)
    replied = make_partner(stage="onboarding", last_interaction_at=NOW)
    recent = make_partner(stage="onboarding", last_interaction_at=NOW)
    for partner, days in ((silent, 6), (replied, 6), (recent, 4)):
        enrollment(partner, finished_days_ago=days)
    service.log_interaction(replied, None, "email", "Re: welcome", direction="inbound",
                            occurred_at=NOW - timedelta(days=10))
    assert db.session.scalar(select(Sequence.id)) is not None

    followups.scan(NOW)

    assert open_partners("welcome_unanswered") == {silent.id}


def meeting(partner, manager, *, starts_at, status="scheduled", partstat="NEEDS-ACTION"):
    row = Meeting(partner_id=partner.id, manager_id=manager.id, uid=f"m{partner.id}@x",
                  title="Onboarding call", starts_at=starts_at, duration_minutes=30,
                  status=status, partstat=partstat, created_at=NOW, updated_at=NOW)
    db.session.add(row)
    db.session.commit()
    return row


def test_no_call_booked_in_onboarding(app, manager):
    waiting = make_partner(stage="onboarding", stage_changed_at=NOW - timedelta(days=8),
                           last_interaction_at=NOW)
    booked = make_partner(stage="onboarding", stage_changed_at=NOW - timedelta(days=8),
                          last_interaction_at=NOW)
    meeting(booked, manager, starts_at=NOW + timedelta(days=1))
    new = make_partner(stage="onboarding", stage_changed_at=NOW - timedelta(days=6),
                       last_interaction_at=NOW)

    followups.scan(NOW)

    assert open_partners("no_call_booked") == {waiting.id}
    assert new.id not in open_partners("no_call_booked")


def test_outcome_not_logged_and_invitation_declined(app, manager):
    held_yesterday = make_partner(last_interaction_at=NOW)
    this_morning = make_partner(last_interaction_at=NOW)
    declined = make_partner(last_interaction_at=NOW)
    meeting(held_yesterday, manager, starts_at=NOW - timedelta(hours=25))
    meeting(this_morning, manager, starts_at=NOW - timedelta(hours=5))
    meeting(declined, manager, starts_at=NOW + timedelta(days=2), partstat="DECLINED")

    followups.scan(NOW)

    assert open_partners("outcome_not_logged") == {held_yesterday.id}
    assert open_partners("invitation_declined") == {declined.id}


def test_address_bounced(app):
    bounced = make_partner(email="gone@example.com", last_interaction_at=NOW)
    make_partner(email="fine@example.com", last_interaction_at=NOW)

    suppress("gone@example.com", "hard_bounce", "550 no such user")
    followups.scan(NOW)

    assert open_partners("address_bounced") == {bounced.id}


def test_a_scan_under_someone_elses_live_lease_does_nothing(app):
    quiet("active", 40)
    db.session.add(Lease(name=followups.SCAN_LEASE, holder="other:1",
                         expires_at=NOW + timedelta(minutes=5)))
    db.session.commit()

    assert followups.scan(NOW).skipped
    assert flags() == []
    # The holder crashed: once its lease expires, the next scan runs.
    assert not followups.scan(NOW + timedelta(minutes=6)).skipped
    assert len(flags()) == 1


@pytest.mark.parametrize("partners", [10, 200])
def test_the_number_of_statements_does_not_grow_with_partners(app, partners):
    for n in range(partners):
        quiet("active", 40 + n % 3)
    statements = []
    engine = db.engine
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        followups.scan(NOW)
    finally:
        event.remove(engine, "before_cursor_execute", listener)

    assert len(open_partners("stale")) == partners
    # The lease, the wake-up, commission terms coming into force and the settings; two a
    # rule (five when it keeps a temp table).
    per_rule = sum(5 if rule.materialize else 2 for rule in followups.RULES.values())
    assert len(statements) <= 7 + per_rule


def test_rapport_followups_scan_prints_each_rule(app, runner):
    quiet("active", 40)

    result = runner.invoke(args=["followups", "scan"])

    assert result.exit_code == 0, result.output
    assert "stale                  raised      1" in result.output
    assert "SQL statements:" in result.output


@pytest.mark.parametrize("app_config", [{"FOLLOWUP_SCAN_MINUTES": 60}])
def test_the_tick_hands_the_scan_to_a_worker_once_per_interval(app, clock, app_config):
    from outreach.scheduler import tick

    broker = app.extensions["rapport.broker"]
    queued = lambda: broker.queues["followups"].qsize()  # noqa: E731

    tick(dispatch=lambda ids: None)
    tick(NOW + timedelta(minutes=30), dispatch=lambda ids: None)
    assert queued() == 1
    tick(NOW + timedelta(minutes=61), dispatch=lambda ids: None)
    assert queued() == 2
