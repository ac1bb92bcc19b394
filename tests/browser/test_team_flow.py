"""Chromium walks the team's doors: an admin invites a colleague who joins and signs in, and
a deactivated manager's open session (kept signed in) is refused at the next page load."""

from __future__ import annotations

import re

from crm.extensions import db
from tests.browser.test_partner_flow import pytestmark  # noqa: F401  (SQLite, CSRF on)
from tests.conftest import PASSWORD
from tests.factories import make_partner
from tests.team.helpers import emailed_path

NEWCOMER = "noor@agency.example.com"


def sign_in(page, live_server: str, email: str, password: str = PASSWORD,
            remember: bool = False) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    if remember:
        page.get_by_label("Keep me signed in").check()
    page.get_by_role("button", name="Sign in").click()


def test_an_invited_colleague_accepts_the_link_and_then_signs_in(app, live_server, browser,
                                                                  admin):
    from playwright.sync_api import expect

    ada = browser.new_context().new_page()
    sign_in(ada, live_server, admin.email)
    ada.get_by_role("link", name="Admin").click()
    ada.get_by_role("link", name="Team", exact=True).click()
    ada.get_by_label("Email").fill(NEWCOMER)
    ada.locator("#role").select_option("manager")
    ada.get_by_role("button", name="Send invitation").click()
    expect(ada.get_by_text(f"Invitation sent to {NEWCOMER}")).to_be_visible()
    expect(ada.locator(".invitations-table")).to_contain_text(NEWCOMER)

    db.session.rollback()  # see what the server's threads committed
    link = live_server + emailed_path(NEWCOMER, "/join/")
    noor = browser.new_context().new_page()
    noor.goto(link)
    expect(noor.get_by_text(f"You will sign in as {NEWCOMER}")).to_be_visible()
    # The labels also hold each field's help text, so the fields are found by id.
    noor.locator("#name").fill("Noor Haddad")
    noor.locator("#password").fill("long enough pw")
    noor.locator("#confirm").fill("long enough pw")
    noor.get_by_role("button", name="Create my account").click()
    expect(noor.get_by_text("Welcome to Rapport, Noor Haddad.")).to_be_visible()

    noor.get_by_role("button", name="Sign out Noor Haddad").click()
    sign_in(noor, live_server, NEWCOMER, "long enough pw")
    expect(noor.get_by_role("button", name="Sign out Noor Haddad")).to_be_visible()
    assert noor.goto(link).status == 404
    ada.reload()
    expect(ada.locator(".team-table")).to_contain_text("Noor Haddad")


def test_a_deactivated_managers_session_is_refused_on_the_next_page(app, live_server, browser,
                                                                     admin, manager):
    from playwright.sync_api import expect

    make_partner(name="Nina Novak", owner_id=manager.id)
    mia = browser.new_context().new_page()
    sign_in(mia, live_server, manager.email, remember=True)
    expect(mia.get_by_role("button", name="Sign out Mia Manager")).to_be_visible()

    ada = browser.new_context().new_page()
    sign_in(ada, live_server, admin.email)
    ada.goto(f"{live_server}/admin/team/")
    ada.get_by_role("link", name="Deactivate…").click()
    expect(ada.locator(".owned-list")).to_contain_text("1 partner")
    ada.locator("#successor_id").select_option(label="Ada Admin (admin)")
    ada.get_by_role("button", name="Hand over and deactivate").click()
    expect(ada.get_by_text("Mia Manager is deactivated and signed out everywhere. "
                           "Ada Admin now has 1 partner.")).to_be_visible()

    mia.reload()
    expect(mia).to_have_url(re.compile(r"/login\?next="))
    expect(mia.get_by_role("button", name="Sign in")).to_be_visible()
