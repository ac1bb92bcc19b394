"""A real Chromium runs a recruitment campaign: create it, write its email, preview the
enrolment, start it, and read the figures once the email went out."""

from __future__ import annotations

import pytest

from crm.admin.organisation import update_postal_address
from outreach.scheduler import tick
from tests.conftest import PASSWORD
from tests.factories import make_client, make_partner
from tests.outreach.conftest import sink, workers  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


@pytest.fixture
def app_config(sink) -> dict:  # noqa: F811
    return {"WTF_CSRF_ENABLED": True, "SMTP_URL": sink.url,
            "MAIL_FROM": "Summit Partnerships <partners@rapport.example.com>"}


def test_a_campaign_is_created_started_and_measured_in_the_browser(
    app, live_server, browser, manager, sink, workers  # noqa: F811
):
    from playwright.sync_api import expect

    update_postal_address("Rapport Ltd, 1 Example Street, London", None)
    make_client(name="Summit Outdoor")
    make_partner(name="Jamie Rivera", email="jamie@trailnotes.example.com",
                 owner_id=manager.id, tags=["tbex"])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/partners/")

    # Given a new campaign with one email
    page.get_by_role("link", name="Campaigns").click()
    page.get_by_role("button", name="New campaign").first.click()
    page.get_by_label("Name").fill("TBEX follow-up")
    page.get_by_label("Client program").select_option(label="Summit Outdoor")
    page.get_by_role("button", name="Create campaign").click()
    page.get_by_label("Subject", exact=True).fill("Hello {{ partner.first_name }}")
    page.get_by_label("HTML body", exact=True).fill(
        "<p>Would you like to join {{ client.program }}?</p>")
    page.get_by_role("button", name="Add step").click()
    expect(page.locator("#campaign-status")).to_have_text("Draft")

    # When the manager previews everyone tagged tbex, then starts the campaign
    page.get_by_role("button", name="Start: enrol prospects").click()
    page.get_by_label("Tag", exact=True).fill("tbex")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#enrol-count")).to_contain_text("1 prospect would be enrolled")
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.locator("body")).to_contain_text("join the Summit Outdoor partner program")
    expect(frame.locator("body")).to_contain_text("Rapport Ltd, 1 Example Street")
    page.locator("#enrol-confirm").click()
    expect(page.locator("#campaign-status")).to_have_text("Active")

    # Then, once the scheduler ticked and the email went out, the figures show it
    tick()
    workers.drain()
    assert [m["Subject"] for m in sink.received] == ["Hello Jamie"]
    page.reload()
    row = page.locator('#campaign-figures tr[data-step="1"][data-variant="A"]')
    expect(row.locator(".sent")).to_have_text("1")
    expect(page.locator("#campaign-enrollments")).to_contain_text("Jamie Rivera")
