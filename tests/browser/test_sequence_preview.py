"""A real Chromium edits a step: the preview follows the typing and the partner picker, and
neither a hostile partner name nor the email's own script can run on the page."""

from __future__ import annotations

import pytest

from crm.sequences import service
from tests.conftest import PASSWORD
from tests.factories import make_client, make_partner, make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}]),
]


@pytest.fixture
def page(live_server, browser, manager):
    """A signed-in Chromium page."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/partners/")
    return page


def test_the_preview_follows_the_form_and_the_picked_partner(app, live_server, page):
    from playwright.sync_api import expect

    owner = make_user(name="Olga Owner")
    brand = make_client(name="Summit Outdoor")
    sequence = service.create_client_sequence(brand)
    make_partner(name="Priya Patel", email="priya@priyablog.com", owner_id=owner.id)
    hostile = make_partner(name='<img src=x onerror="alert(1)">Eve', email="eve@evil.com")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    # Given the editor of the first step, previewed for the most recent partner
    page.goto(f"{live_server}/sequences/{sequence.id}/steps/{sequence.steps[0].id}/edit")
    subject = page.locator(".email-subject")
    expect(subject).to_have_text("Welcome to the Summit Outdoor partner program, <img!")

    # When the manager finds Priya (the first match is picked) and types into the subject
    page.get_by_placeholder("Find by name or email").fill("priyablog")
    expect(subject).to_have_text("Welcome to the Summit Outdoor partner program, Priya!")
    page.get_by_label("Subject").press("End")
    page.get_by_label("Subject").press_sequentially(" Glad you're here")

    # Then the preview follows, for Priya, with her owner as the sender
    expect(subject).to_have_text(
        "Welcome to the Summit Outdoor partner program, Priya! Glad you're here")
    frame = page.frame_locator("iframe.email-frame")
    expect(frame.locator("body")).to_contain_text("I'm Olga, and I look after the Summit Outdoor")

    # And a search without a match keeps Priya
    page.get_by_placeholder("Find by name or email").fill("nobody-like-this")
    expect(page.locator("#preview-partner option").first).to_have_text(
        "No partner matches “nobody-like-this”")
    expect(page.locator(".preview-for")).to_contain_text("Priya Patel")

    # And a script in the email or a hostile name never runs
    page.get_by_placeholder("Find by name or email").fill("")
    page.locator("#preview-partner").select_option(str(hostile.id))
    page.locator("#step-html").fill(
        "<p>Hi {{ partner.name }}</p><script>alert('from the email')</script>")
    page.locator("#step-html").press("End")
    page.locator("#step-html").press_sequentially(" ")
    expect(frame.locator("body")).to_contain_text('Hi <img src=x onerror="alert(1)">Eve')
    expect(page.locator(".preview-for")).to_contain_text('<img src=x onerror="alert(1)">Eve')
    assert dialogs == []

    # And a template error shows under the preview, with its line, until it is fixed
    page.locator("#step-html").fill("<p>Hi</p>\n<p>{{ coupon }}</p>")
    page.locator("#step-html").press_sequentially(" ")
    expect(page.locator(".preview-problems")).to_contain_text(
        "HTML body — line 2: unknown variable 'coupon'")
