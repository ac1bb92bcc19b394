"""Chromium books an onboarding call on a partner's booking link, on a phone and a desktop:
the visitor's zone is detected, a slot picked and booked; a second visitor who wanted the
same slot is told it was taken and sees the fresh times."""

from __future__ import annotations

import pytest

from crm.booking import links
from tests.booking.conftest import path_of, set_availability
from tests.browser.test_partner_flow import pytestmark  # noqa: F401  (SQLite, CSRF on)
from tests.factories import make_partner

PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1280, "height": 860}


def visitor(browser, viewport, zone="America/New_York"):
    context = browser.new_context(viewport=viewport, timezone_id=zone, locale="en-US")
    return context.new_page()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "desktop"])
def test_a_partner_books_a_call_in_their_own_zone(app, live_server, browser, manager,
                                                   viewport):
    from playwright.sync_api import expect

    set_availability(manager)
    # The partner's record says Berlin, but they are in New York: the browser knows
    partner = make_partner(name="Jamie Rivera", email="jamie@trailnotes.com",
                           timezone="Europe/Berlin", owner_id=manager.id)
    page = visitor(browser, viewport)

    page.goto(live_server + path_of(links.partner_link(partner.id)))

    expect(page.get_by_role("heading", name="Book a call with Mia Manager")).to_be_visible()
    expect(page.get_by_label("Times are shown in")).to_have_value("America/New_York")
    page.get_by_role("link", name="Wednesday 11 March").click()
    expect(page.locator("#times-heading")).to_have_text("Wednesday 11 March")
    # Berlin 10:00 is 05:00 in New York (only the US is on summer time yet)
    page.get_by_role("button", name="05:00").click()
    expect(page.locator("#confirm-heading")).to_have_text("Wed 11 Mar 2026, 05:00–05:30")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.get_by_label("Anything you'd like to talk about?").fill("Coupon codes")
    page.get_by_role("button", name="Book this call").click()

    expect(page.get_by_text("You're booked.")).to_be_visible()
    expect(page.locator(".call-when")).to_have_text("Wed 11 Mar 2026, 05:00 (America/New_York)")
    expect(page.get_by_role("button", name="Reschedule")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]


def test_the_visitor_who_books_second_is_told_and_sees_fresh_times(app, live_server, browser,
                                                                    manager):
    from playwright.sync_api import expect

    set_availability(manager)
    pages = []
    for name in ("Ana Costa", "Ben Ode"):
        partner = make_partner(name=name, owner_id=manager.id)
        page = visitor(browser, PHONE, zone="Europe/Berlin")
        page.goto(live_server + path_of(links.partner_link(partner.id)) +
                  "?tz=Europe/Berlin&day=2026-03-11")
        page.get_by_role("button", name="10:00").click()
        expect(page.get_by_role("button", name="Book this call")).to_be_visible()
        pages.append(page)
    first, second = pages

    first.get_by_role("button", name="Book this call").click()
    expect(first.get_by_text("You're booked.")).to_be_visible()
    second.get_by_role("button", name="Book this call").click()

    expect(second.get_by_role("alert")).to_contain_text(
        "Sorry, that time was just taken. Please pick another one.")
    times = second.locator(".slot-times")
    expect(times.get_by_role("button", name="09:00")).to_be_visible()
    expect(times.get_by_role("button", name="10:00")).to_have_count(0)
    expect(times.get_by_role("button", name="10:30")).to_have_count(0)  # the buffer
