"""My settings › Password, and "Forgot your password?": a new password ends other sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.auth import passwords
from crm.auth.service import authenticate
from crm.extensions import db
from crm.models import AuditEvent, PasswordReset
from crm.team import service as team
from tests.conftest import PASSWORD, START, AuthActions
from tests.factories import make_user
from tests.team.helpers import emailed_path, emails_to, tampered, token_of

NEW = "a brand new passphrase"


def change(client, current=PASSWORD, new=NEW, confirm=None):
    return client.post("/settings/password", data={
        "current_password": current, "new_password": new, "confirm": confirm or new})


def test_a_wrong_current_password_or_a_short_new_one_changes_nothing(logged_in, manager):
    wrong = change(logged_in, current="not my password")
    short = change(logged_in, new="short")
    mismatch = change(logged_in, confirm="something else entirely")

    assert [r.status_code for r in (wrong, short, mismatch)] == [422, 422, 422]
    assert "is not your current password" in wrong.get_data(as_text=True)
    assert "at least 10 characters" in short.get_data(as_text=True)
    assert "does not match" in mismatch.get_data(as_text=True)
    assert manager.check_password(PASSWORD)


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, logged_in, manager):
    other = app.test_client()
    AuthActions(other).login(manager.email)

    response = change(logged_in)

    assert response.status_code == 302
    assert logged_in.get("/dashboard/").status_code == 200
    assert other.get("/dashboard/").status_code == 302
    assert authenticate(manager.email, NEW) is not None
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.target) == (
        "password.changed", manager.id, manager.email)


def test_a_remember_me_cookie_from_before_the_change_stops_working(app, client, manager):
    client.post("/login", data={"email": manager.email, "password": PASSWORD, "remember": "y"})
    remembered = client.get_cookie("remember_token").value
    later = app.test_client()
    later.set_cookie("remember_token", remembered)
    assert later.get("/dashboard/").status_code == 200  # the cookie alone signs in

    passwords.change_password(manager, PASSWORD, NEW)

    stale = app.test_client()
    stale.set_cookie("remember_token", remembered)
    assert stale.get("/dashboard/").status_code == 302


def test_forgot_password_answers_the_same_for_any_address(app, client, manager):
    known = client.post("/forgot-password", data={"email": manager.email})
    unknown = client.post("/forgot-password", data={"email": "nobody@agency.example.com"})

    def without_address(response, address):
        return response.get_data(as_text=True).replace(address, "ADDRESS")

    assert (known.status_code, unknown.status_code) == (200, 200)
    assert without_address(known, manager.email) == without_address(
        unknown, "nobody@agency.example.com")
    [email] = emails_to(manager.email)
    assert email.subject == "Reset your Rapport password" and email.sender_id is None
    assert emails_to("nobody@agency.example.com") == []


def test_a_reset_link_works_once_signs_in_and_ends_other_sessions(app, client, manager):
    elsewhere = app.test_client()
    AuthActions(elsewhere).login(manager.email)
    passwords.request_reset(manager.email)
    path = emailed_path(manager.email, "/reset-password/")

    assert client.get(path).headers["Referrer-Policy"] == "no-referrer"
    done = client.post(path, data={"new_password": NEW, "confirm": NEW})

    assert done.status_code == 302 and done.headers["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200
    assert elsewhere.get("/dashboard/").status_code == 302
    assert authenticate(manager.email, NEW) is not None
    assert client.get(path).status_code == 404
    assert client.get(f"/reset-password/{tampered(token_of(path))}").status_code == 404
    assert db.session.scalars(select(AuditEvent.action)).all() == ["password.reset"]


def test_a_reset_link_expires_after_an_hour_and_using_one_spends_the_others(app, manager,
                                                                             clock):
    passwords.request_reset(manager.email)
    first = token_of(emailed_path(manager.email, "/reset-password/"))
    passwords.request_reset(manager.email)
    second = token_of(emailed_path(manager.email, "/reset-password/"))

    clock.set(START + timedelta(minutes=59))
    passwords.reset_password(passwords.reset_for_token(second), NEW)
    assert passwords.reset_for_token(first) is None

    passwords.request_reset(manager.email)
    third = token_of(emailed_path(manager.email, "/reset-password/"))
    clock.set(START + timedelta(minutes=59 + 60))
    assert passwords.reset_for_token(third) is None


def test_at_most_three_links_an_hour_and_none_for_a_deactivated_user(app, manager, admin):
    colleague = make_user(email="tom@agency.example.com")
    team.deactivate(colleague, None, admin)

    for _ in range(5):
        passwords.request_reset(manager.email)
    passwords.request_reset(colleague.email)

    assert len(emails_to(manager.email)) == 3
    assert emails_to(colleague.email) == []
    assert db.session.scalar(select(func.count()).select_from(PasswordReset)) == 3


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                         "ACCOUNT_RATE_LIMIT": "3 per minute"}])
def test_the_public_account_forms_share_one_rate_limit(client, app_config):
    statuses = [client.post("/forgot-password", data={"email": "x@agency.example.com"})
                .status_code for _ in range(3)]
    statuses.append(client.post("/join/forged-token", data={}).status_code)

    assert statuses == [200, 200, 200, 429]
