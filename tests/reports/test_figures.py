"""Every figure in a client's report equals the same figure recomputed here, in Python, from
the rows the test wrote, with another client's program interleaved with it."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from crm.reports.periods import Period, named
from crm.reports.service import build_report
from tests.reports import scenario


@pytest.fixture
def program(app, manager):
    return scenario.build(manager)


@pytest.fixture
def period(clock) -> Period:
    return named("last_month", clock.now().date())  # February 2026


def _in(period: Period, instant) -> bool:
    return period.starts_at <= instant < period.ends_before


def _members(program, client):
    return [m for m in program.memberships if m.client_id == client.id]


def _partner_ids(program, client) -> set[int]:
    return {m.partner_id for m in _members(program, client)}


def test_recruitment_counts_memberships_joined_in_the_period_by_source_and_stage(
        program, period):
    expected = Counter((m.partner.source, m.partner.stage)
                       for m in _members(program, program.client) if _in(period, m.created_at))

    grid = build_report(program.client, period).recruitment

    got = {(source, stage): n for source, values, _ in grid.rows
           for stage, n in zip(grid.columns, values, strict=True) if n}
    assert got == dict(expected)
    assert grid.total == sum(expected.values()) > 0


def test_activated_counts_program_start_dates_in_the_period(program, period):
    expected = sum(1 for m in _members(program, program.client)
                   if m.started_on and period.start <= m.started_on <= period.end)

    assert build_report(program.client, period).activated == expected > 0


def test_interactions_count_manager_entries_on_members_by_manager_and_kind(program, period):
    members = _partner_ids(program, program.client)
    names = {user.id: user.name for user in program.managers}
    expected = Counter((names[i.author_id], i.kind) for i in program.interactions
                       if i.partner_id in members and i.kind != "system" and i.author_id
                       and _in(period, i.occurred_at))

    grid = build_report(program.client, period).interactions

    got = {(name, kind): n for name, values, _ in grid.rows
           for kind, n in zip(grid.columns, values, strict=True) if n}
    assert got == dict(expected)
    assert "system" not in grid.columns


def test_welcome_figures_follow_the_cohort_enrolled_in_the_period(program, period):
    cohort = [e for e in program.enrollments
              if e.client_id == program.client.id and _in(period, e.started_at)]
    ids = {e.id for e in cohort}
    reasons = Counter(e.stop_reason for e in cohort)

    welcome = build_report(program.client, period).welcome

    assert welcome.enrolled == len(cohort) > 0
    assert welcome.emails_sent == sum(1 for m in program.emails
                                      if m.enrollment_id in ids and m.sent_at is not None)
    assert (welcome.replied, welcome.bounced, welcome.unsubscribed) == (
        reasons["reply"], reasons["bounce"], reasons["unsubscribe"])
    assert welcome.reply_rate == pytest.approx(reasons["reply"] / len(cohort))


def test_calls_count_the_clients_meetings_starting_in_the_period_by_status(program, period):
    expected = Counter(m.status for m in program.meetings
                       if m.client_id == program.client.id and _in(period, m.starts_at))

    calls = build_report(program.client, period).calls

    assert (calls.scheduled, calls.held, calls.no_show, calls.cancelled) == (
        expected["scheduled"], expected["held"], expected["no_show"], expected["cancelled"])
    assert calls.booked == sum(expected.values()) - expected["cancelled"]


def test_growth_lists_changes_in_effect_and_placements_and_promotions_running(
        program, period):
    mine = program.of
    changes = sorted((c for c in mine(program.changes, program.client)
                      if period.start <= c.effective_on <= period.end),
                     key=lambda c: (c.effective_on, c.id))
    placements = [p for p in mine(program.placements, program.client)
                  if p.starts_on <= period.end and p.ends_on >= period.start]
    promotions = [p for p in mine(program.promotions, program.client)
                  if p.starts_on <= period.end and (p.ends_on is None or p.ends_on >= period.start)]

    report = build_report(program.client, period)

    assert [(r[0], r[1], r[3]) for r in report.commission_changes] == [
        (c.effective_on, c.membership.partner.name, c.new_terms) for c in changes]
    assert sorted((r[0], r[2], r[4]) for r in report.placements) == sorted(
        (p.starts_on, p.membership.partner.name, p.fee_cents) for p in placements)
    assert sorted((r[0], r[2]) for r in report.promotions) == sorted(
        (p.starts_on, p.membership.partner.name) for p in promotions)
    assert changes and placements and promotions


def _sums(days, period: Period) -> tuple[int, int, int, int]:
    rows = [d for d in days if period.start <= d.day <= period.end]
    return (sum(d.clicks for d in rows), sum(d.conversions for d in rows),
            sum(d.revenue_cents for d in rows), sum(d.commission_cents for d in rows))


def test_performance_totals_and_change_against_the_previous_period(program, period):
    days = program.of(program.days, program.client)
    now, before = _sums(days, period), _sums(days, period.previous())

    perf = build_report(program.client, period).performance

    assert (perf.current.clicks, perf.current.conversions, perf.current.revenue_cents,
            perf.current.commission_cents) == now
    assert (perf.previous.clicks, perf.previous.conversions, perf.previous.revenue_cents,
            perf.previous.commission_cents) == before
    assert perf.change("revenue_cents") == pytest.approx((now[2] - before[2]) / before[2])
    assert sum(perf.revenue_series) == now[2]
    assert sum(perf.previous_revenue_series) == before[2]
    assert len(perf.revenue_series) == len(perf.bucket_labels) == period.days


def test_top_partners_are_the_members_with_most_revenue_in_the_period(program, period):
    revenue: Counter[int] = Counter()
    earlier: Counter[int] = Counter()
    for d in program.of(program.days, program.client):
        if period.start <= d.day <= period.end:
            revenue[d.membership_id] += d.revenue_cents
        elif period.previous().start <= d.day <= period.previous().end:
            earlier[d.membership_id] += d.revenue_cents
    ranked = sorted(revenue, key=lambda mid: (-revenue[mid], mid))[:10]
    names = {m.id: m.partner.name for m in program.memberships}

    top = build_report(program.client, period).performance.top

    assert [(p.name, p.revenue_cents, p.previous_revenue_cents) for p in top] == [
        (names[mid], revenue[mid], earlier[mid]) for mid in ranked]


def test_a_long_period_is_charted_per_week_with_the_same_total(program):
    period = Period("custom", date(2025, 12, 1), date(2026, 3, 9))
    days = program.of(program.days, program.client)

    perf = build_report(program.client, period).performance

    assert perf.weekly and len(perf.revenue_series) == 15  # 99 days: 14 weeks and a day
    assert sum(perf.revenue_series) == _sums(days, period)[2]


def test_the_other_clients_report_counts_only_its_own_program(program, period):
    others = [m for m in _members(program, program.other) if _in(period, m.created_at)]

    report = build_report(program.other, period)

    assert report.recruitment.total == len(others)
    assert report.currency == "EUR"
    assert report.performance.current.revenue_cents == _sums(
        program.of(program.days, program.other), period)[2]


def test_an_empty_program_reports_zeros_and_no_rate(app, period):
    from tests.factories import make_client

    report = build_report(make_client(), period)

    assert report.recruitment.total == report.interactions.total == report.activated == 0
    assert report.welcome.reply_rate is None
    assert report.performance.change("revenue_cents") is None
    assert report.performance.top == []
