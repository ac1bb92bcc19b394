"""The growth rules (performance drop, commission review due, placement ending soon) flag the
right partners exactly at their thresholds, once, and resolve when the condition clears."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from crm.extensions import db
from crm.models import FollowUp, FollowUpRule
from outreach import followups
from tests.factories import make_client, make_membership
from tests.followups.helpers import commission_change, member, placement, revenue

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)
RECENT = TODAY - timedelta(days=30)  # first day of "the last 30 days"
EARLIER = TODAY - timedelta(days=60)  # first day of the 30 days before


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def flagged(rule: str) -> dict[int, str]:
    """Open flags of the rule: partner id → reason."""
    rows = db.session.execute(select(FollowUp.partner_id, FollowUp.reason).where(
        FollowUp.rule == rule, FollowUp.status == "open"))
    return {row.partner_id: row.reason for row in rows}


def dropping(earlier_cents: int, recent_cents: int, **fields):
    membership = member(**fields)
    revenue(membership, EARLIER, 30, earlier_cents)
    if recent_cents:
        revenue(membership, RECENT, 30, recent_cents)
    return membership


# --- performance drop ---------------------------------------------------------------------


def test_a_drop_is_flagged_with_the_client_and_the_numbers(app):
    membership = dropping(207_000, 120_000, client_name="Forkful")

    followups.scan(NOW)

    assert flagged("performance_drop") == {
        membership.partner_id: "Revenue at Forkful down 42% (last 30 days $1,200 vs $2,070)"}


def test_a_drop_flags_below_the_percentage_and_not_at_it(app):
    at_threshold = dropping(100_000, 70_000, client_name="At")
    one_cent_below = dropping(100_000, 69_999, client_name="Below")

    followups.scan(NOW)

    assert set(flagged("performance_drop")) == {one_cent_below.partner_id}
    assert at_threshold.partner_id not in flagged("performance_drop")


def test_tiny_partners_do_not_flag_below_the_minimum_revenue(app):
    one_cent_short = dropping(9_999, 0, client_name="Tiny")
    at_minimum = dropping(10_000, 0, client_name="Small")

    followups.scan(NOW)

    assert set(flagged("performance_drop")) == {at_minimum.partner_id}
    assert one_cent_short.partner_id not in flagged("performance_drop")


def test_the_windows_are_the_whole_days_before_today(app):
    # Today's figures are incomplete: they do not count. The first day of each window does.
    today_only = dropping(100_000, 0, client_name="TodayOnly")
    revenue(today_only, TODAY, 1, 100_000)
    first_day = dropping(100_000, 0, client_name="FirstDay")
    revenue(first_day, RECENT, 1, 100_000)
    too_early = member(client_name="TooEarly")
    revenue(too_early, days_ago(61), 1, 100_000)  # just outside the earlier window

    followups.scan(NOW)

    assert set(flagged("performance_drop")) == {today_only.partner_id}


def test_a_partner_gets_one_flag_for_its_worst_program(app):
    worst = dropping(100_000, 10_000, client_name="Worst", currency="EUR")
    other = make_membership(worst.partner, make_client(name="Milder"), status="approved")
    revenue(other, EARLIER, 30, 100_000)
    revenue(other, RECENT, 30, 50_000)

    followups.scan(NOW)
    followups.scan(NOW + timedelta(hours=1))

    assert flagged("performance_drop") == {
        worst.partner_id: "Revenue at Worst down 90% (last 30 days €100 vs €1,000)"}
    assert len(db.session.scalars(select(FollowUp)).all()) == 1


def test_only_approved_memberships_of_live_partners_count(app):
    dropping(100_000, 0, client_name="Ended", status="ended")
    churned = dropping(100_000, 0, client_name="Churned")
    churned.partner.stage = "churned"
    db.session.commit()

    followups.scan(NOW)

    assert flagged("performance_drop") == {}


def test_a_recovery_resolves_the_drop(app):
    membership = dropping(100_000, 0, client_name="Forkful")
    followups.scan(NOW)
    revenue(membership, RECENT, 1, 90_000)

    report = followups.scan(NOW + timedelta(minutes=5))

    assert report.cleared["performance_drop"] == 1
    assert flagged("performance_drop") == {}


# --- commission review due ----------------------------------------------------------------


def top_performer(client_name: str, revenue_cents: int = 500_000, started: int = 181):
    membership = member(client_name=client_name, started_on=days_ago(started))
    revenue(membership, days_ago(90), 90, revenue_cents)
    return membership


def test_a_top_performer_without_a_change_is_due_a_review(app):
    membership = top_performer("Forkful", 620_000)

    followups.scan(NOW)

    assert flagged("commission_review_due") == {membership.partner_id: (
        "Commission at Forkful unchanged for 180+ days; $6,200 revenue in the last 90 days")}


def test_top_performer_means_at_least_the_minimum_revenue(app):
    at_minimum = top_performer("AtMinimum", 500_000)
    one_cent_short = top_performer("Short", 499_999)
    too_old = member(client_name="TooOld", started_on=days_ago(400))
    revenue(too_old, days_ago(91), 1, 500_000)  # the day before the 90-day window

    followups.scan(NOW)

    assert set(flagged("commission_review_due")) == {at_minimum.partner_id}
    assert {one_cent_short.partner_id, too_old.partner_id}.isdisjoint(
        flagged("commission_review_due"))


def test_a_review_is_due_only_after_more_than_the_days_in_the_program(app):
    exactly = top_performer("Exactly", started=180)
    one_more = top_performer("OneMore", started=181)
    no_start_date = member(client_name="Created")
    no_start_date.created_at = datetime(2025, 9, 10, 23, 59, tzinfo=UTC)  # 181 days ago
    revenue(no_start_date, days_ago(90), 90, 500_000)

    followups.scan(NOW)

    assert set(flagged("commission_review_due")) == {one_more.partner_id,
                                                     no_start_date.partner_id}
    assert exactly.partner_id not in flagged("commission_review_due")


def test_a_commission_change_within_the_days_means_no_review(app):
    changed_at_limit = top_performer("AtLimit", started=400)
    commission_change(changed_at_limit, days_ago(180))
    changed_before = top_performer("Before", started=400)
    commission_change(changed_before, days_ago(181))

    followups.scan(NOW)

    assert set(flagged("commission_review_due")) == {changed_before.partner_id}


def test_a_new_commission_change_resolves_the_review(app):
    membership = top_performer("Forkful")
    followups.scan(NOW)
    commission_change(membership, TODAY)

    followups.scan(NOW + timedelta(minutes=5))

    assert flagged("commission_review_due") == {}
    [flag] = db.session.scalars(select(FollowUp))
    assert (flag.status, flag.resolution) == ("resolved", "condition cleared")


# --- placement ending soon ----------------------------------------------------------------


def test_a_placement_ending_within_the_days_is_flagged_with_kind_client_and_date(app):
    membership = member(client_name="Forkful")
    placement(membership, TODAY + timedelta(days=7), kind="homepage_feature")

    followups.scan(NOW)

    assert flagged("placement_ending_soon") == {
        membership.partner_id: "Homepage feature placement at Forkful ends 2026-03-17"}


def test_placements_flag_from_today_to_the_last_day_and_not_outside(app):
    today, last_day = member(client_name="Today"), member(client_name="LastDay")
    ended, later = member(client_name="Ended"), member(client_name="Later")
    placement(today, TODAY)
    placement(last_day, TODAY + timedelta(days=7))
    placement(ended, days_ago(1))
    placement(later, TODAY + timedelta(days=8))

    followups.scan(NOW)

    assert set(flagged("placement_ending_soon")) == {today.partner_id, last_day.partner_id}


def test_the_soonest_placement_names_the_flag_and_an_ended_one_resolves(app):
    membership = member(client_name="Forkful")
    placement(membership, TODAY + timedelta(days=5), kind="video")
    placement(membership, TODAY + timedelta(days=2), kind="newsletter")
    followups.scan(NOW)
    assert flagged("placement_ending_soon") == {
        membership.partner_id: "Newsletter placement at Forkful ends 2026-03-12"}

    followups.scan(NOW + timedelta(days=6))

    assert flagged("placement_ending_soon") == {}


def test_an_admin_threshold_changes_the_next_scan(app):
    membership = member(client_name="Forkful")
    placement(membership, TODAY + timedelta(days=10))
    followups.scan(NOW)
    assert flagged("placement_ending_soon") == {}

    db.session.add(FollowUpRule(name="placement_ending_soon", params={"days": 10},
                                updated_at=NOW))
    db.session.commit()
    followups.scan(NOW)

    assert set(flagged("placement_ending_soon")) == {membership.partner_id}
