"""The dashboard: the signed-in manager's figures (admins may see everyone's), each equal to
a count made here, in a fixed number of queries; "/" lands on it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from crm.extensions import db
from tests.dashboard.helpers import call, enroll, flag, received, sent, sequence
from tests.factories import make_partner, make_user

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # a Tuesday
# Mia works in Berlin: her week began on Monday 9 March at 00:00 CET, 23:00 UTC on Sunday.
WEEK_START = datetime(2026, 3, 8, 23, 0, tzinfo=UTC)


def count(page: str, name: str) -> int:
    match = re.search(rf'data-count="{name}">(\d+)<', page)
    assert match, f"no count for {name}"
    return int(match.group(1))


@pytest.fixture
def other(app):
    return make_user(name="Tom Torres")


def partners(owner, stage, n):
    return [make_partner(stage=stage, owner_id=owner.id, last_interaction_at=NOW)
            for _ in range(n)]


def test_root_lands_on_the_dashboard_and_the_nav_links_it(logged_in):
    response = logged_in.get("/")

    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/"
    page = logged_in.get("/dashboard/").get_data(as_text=True)
    assert '<a href="/dashboard/" aria-current="page">Dashboard</a>' in page


def test_partners_by_stage_count_mine_and_link_to_the_filtered_list(logged_in, manager, other):
    partners(manager, "active", 3)
    partners(manager, "onboarding", 1)
    partners(other, "active", 5)

    page = logged_in.get("/dashboard/").get_data(as_text=True)

    assert (count(page, "active"), count(page, "onboarding"), count(page, "churned")) == (3, 1, 0)
    assert f'href="/partners/?stage=active&amp;owner_id={manager.id}"' in page


def test_open_followups_count_and_the_top_five(logged_in, manager, other):
    mine = partners(manager, "active", 7)
    for partner in mine:
        flag(partner)
    flag(mine[0], status="resolved", rule="performance_drop")
    flag(mine[1], status="snoozed", rule="address_bounced")
    flag(partners(other, "active", 1)[0])

    page = logged_in.get("/dashboard/").get_data(as_text=True)

    assert count(page, "followups") == 7
    section = page.split('id="followups"')[1].split("</article>")[0]
    assert section.count("<li>") == 5


def test_calls_in_the_next_seven_days_are_mine_and_scheduled(logged_in, manager, other):
    [partner] = partners(manager, "onboarding", 1)
    call(partner, manager, NOW + timedelta(hours=1))
    call(partner, manager, NOW + timedelta(days=7) - timedelta(seconds=1))
    call(partner, manager, NOW + timedelta(days=7))  # a week away: not in the next 7 days
    call(partner, manager, NOW - timedelta(hours=1))  # already started
    call(partner, manager, NOW + timedelta(days=1), status="cancelled")
    call(partner, other, NOW + timedelta(days=1))  # someone else's call

    page = logged_in.get("/dashboard/").get_data(as_text=True)

    assert count(page, "calls") == 2


def test_sequences_in_flight_count_active_enrollments_by_sequence(logged_in, manager, other):
    welcome, vip = sequence("Welcome"), sequence("VIP welcome")
    mine = partners(manager, "contacted", 3)
    enroll(mine[0], welcome)
    enroll(mine[1], welcome)
    enroll(mine[2], vip)
    enroll(mine[2], welcome, status="completed")
    enroll(partners(other, "contacted", 1)[0], welcome)

    page = logged_in.get("/dashboard/").get_data(as_text=True)

    assert count(page, "enrolled") == 3
    assert "<td>Welcome</td><td>2</td>" in page and "<td>VIP welcome</td><td>1</td>" in page


def test_this_weeks_sends_and_replies_start_on_monday_in_my_time_zone(logged_in, manager, other):
    [partner] = partners(manager, "contacted", 1)
    sent(partner, WEEK_START)  # Monday 00:00 in Berlin
    sent(partner, WEEK_START - timedelta(seconds=1))  # still last week
    sent(partner, NOW)
    sent(partner, None)  # queued, not sent
    sent(partners(other, "contacted", 1)[0], NOW)
    received(partner, NOW - timedelta(hours=2))
    received(partner, NOW, kind="auto_reply")
    received(partner, WEEK_START - timedelta(seconds=1))

    page = logged_in.get("/dashboard/").get_data(as_text=True)

    assert (count(page, "sends"), count(page, "replies")) == (2, 1)
    assert "&#34;labels&#34;: [&#34;Mon 09&#34;" in page or '"labels": ["Mon 09"' in page
    assert '"data": [1, 1, null, null, null, null, null]' in _chart(page)


def _chart(page: str) -> str:
    import html

    return html.unescape(re.search(r"data-chart='([^']+)'", page).group(1))


def test_admins_can_switch_to_everyone_and_managers_cannot(client, auth, admin, manager, other):
    partners(manager, "active", 2)
    partners(other, "active", 3)

    auth.login(admin.email)
    assert count(client.get("/dashboard/").get_data(as_text=True), "active") == 0
    assert count(client.get("/dashboard/?view=all").get_data(as_text=True), "active") == 5
    auth.logout()
    auth.login(manager.email)
    assert count(client.get("/dashboard/?view=all").get_data(as_text=True), "active") == 2


@pytest.mark.parametrize("size", [2, 40])
def test_the_number_of_queries_does_not_grow_with_partners(logged_in, manager, size):
    welcome = sequence("Welcome")
    for partner in partners(manager, "active", size):
        flag(partner)
        call(partner, manager, NOW + timedelta(days=1))
        enroll(partner, welcome)
        sent(partner, NOW)
        received(partner, NOW)
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert logged_in.get("/dashboard/").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert len(statements) <= 12
