"""Chromium schedules an onboarding call: the partner's clock follows the picker, and the
call is listed on the partner page in both zones."""

from __future__ import annotations

from tests.browser.test_partner_flow import pytestmark  # noqa: F401  (SQLite, CSRF on)
from tests.conftest import PASSWORD
from tests.factories import make_partner


def test_a_manager_schedules_a_call_from_the_partner_page(app, live_server, browser, manager):
    from playwright.sync_api import expect

    partner = make_partner(name="Jamie Rivera", email="jamie@trailnotes.com",
                           timezone="America/Los_Angeles")
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{live_server}/partners/{partner.id}")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("button", name="Schedule onboarding call").click()
    page.get_by_label("Date and time").fill("2026-03-17T16:00")
    # Berlin 16:00 is 08:00 in Los Angeles (US summer time began on 8 March)
    expect(page.locator(".partner-clock")).to_contain_text("Tue 17 Mar, 08:00")
    page.get_by_label("Location").fill("Zoom")
    page.get_by_role("button", name="Send invitation").click()

    expect(page.get_by_text("Invitation sent to Jamie Rivera")).to_be_visible()
    calls = page.locator("#meetings")
    expect(calls).to_contain_text("Tue 17 Mar 2026, 16:00 (Europe/Berlin)")
    expect(calls).to_contain_text("Jamie Rivera: Tue 17 Mar 2026, 08:00 (America/Los_Angeles)")
    expect(page.locator("#timeline > li").first).to_contain_text("Onboarding call scheduled")
