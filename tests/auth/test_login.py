"""Logging in: sessions, wrong passwords, the rate limit and CSRF."""

import pytest

from tests.conftest import PASSWORD


def test_login_with_right_password_opens_the_partner_list(client, auth, manager):
    response = auth.login()
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/partners/")


def test_login_compares_email_case_insensitively(client, auth, manager):
    assert auth.login(email="MIA@Agency.EXAMPLE.com").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, auth, manager):
    response = auth.login(password="nope nope nope")
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data


def test_login_ignores_an_offsite_next_url(client, manager):
    response = client.post(
        "/login?next=https://evil.test/", data={"email": manager.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/partners/"


def test_logout_ends_the_session(logged_in, auth):
    auth.logout()
    assert logged_in.get("/partners/").status_code == 302


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True}])
def test_login_is_rate_limited(client, auth, manager, app_config):
    statuses = [auth.login(password="wrong wrong wrong").status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_login_without_csrf_token_is_refused(client, manager, app_config):
    response = client.post("/login", data={"email": manager.email, "password": PASSWORD})
    assert response.status_code == 400
    assert b"form expired" in response.data
