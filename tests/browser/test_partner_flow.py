"""A real Chromium walks the main path: sign in, find a partner, log a call, see it on top.

The app is served by werkzeug from a thread against SQLite with CSRF on, so the real forms,
the CSRF tokens and htmx are all exercised.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from crm.extensions import db
from tests.conftest import PASSWORD, START
from tests.factories import make_interaction, make_partner, make_user

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"
# crm.config refuses unknown RAPPORT_* variables but skips RAPPORT_TEST_*.
SCREENSHOT_SWITCHES = ("RAPPORT_TEST_SCREENSHOT",)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}]),
]


def some_partners(manager) -> None:
    """A small, believable book of partners; the one we look for is Nina at Novak Reviews."""
    tom = make_user(name="Tom Torres", email="tom@agency.example.com")
    rows = [
        ("Nina Novak", "Novak Reviews", "active", "conference", manager, ["tech", "dach"], 2),
        ("Alice Meyer", "Trail Tales", "onboarding", "linkedin", manager, ["outdoor"], 5),
        ("Bruno Okafor", "Deal Den", "contacted", "search", tom, ["coupon"], 20),
        ("Chloe Lindqvist", "Nordic Kitchen", "prospect", "instagram", tom, [], None),
        ("Dev Patel", "Gadget Lab", "paused", "youtube", manager, ["youtube"], 200),
        ("Emma Rossi", "Bella Beauty", "churned", "referral", tom, ["newsletter"], 900),
    ]
    for name, company, stage, source, owner, tags, hours_ago in rows:
        slug = company.lower().replace(" ", "")
        partner = make_partner(
            name=name, company=company, email=f"{name.split()[0].lower()}@{slug}.com",
            website=f"https://{slug}.com", owner_id=owner.id, tags=tags,
        )
        partner.stage, partner.source = stage, source
        if hours_ago is not None:
            at = START - timedelta(hours=hours_ago)
            partner.last_interaction_at = at
            make_interaction(partner, at, kind="email", summary=f"Sent {name} the media kit",
                             author_id=owner.id, direction="outbound")
    db.session.commit()


def test_a_manager_finds_a_partner_and_logs_a_call(app, live_server, browser, manager):
    from playwright.sync_api import expect

    some_partners(manager)
    page = browser.new_page(viewport={"width": 1280, "height": 860})

    # Given a signed-in manager on the partner list
    page.goto(f"{live_server}/partners/")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Partners")).to_be_visible()
    expect(page.locator(".partner-name")).to_have_count(6)
    if any(os.environ.get(name) for name in SCREENSHOT_SWITCHES):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT))

    # When they search by part of the company name and open the partner
    page.get_by_label("Search").fill("novak rev")
    expect(page.locator(".partner-name")).to_have_count(1)
    page.get_by_role("link", name="Nina Novak").click()
    expect(page.get_by_role("heading", name="Nina Novak")).to_be_visible()

    # And log a call
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Summary").fill("Onboarding call: walked through tracking links")
    page.get_by_role("button", name="Log it").click()

    # Then the call is the first entry of the timeline, and the form is ready again
    first = page.locator("#timeline > li").first
    expect(first).to_contain_text("Onboarding call: walked through tracking links")
    expect(first).to_contain_text("Call")
    expect(first).to_contain_text("by Mia Manager")
    expect(page.get_by_label("Summary")).to_have_value("")
    expect(page.get_by_text("Call logged.")).to_be_visible()
