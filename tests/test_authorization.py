"""Nobody gets in by accident: walk every route in the URL map as a stranger.

The walk is generic, so a route added later is checked without touching this file; only
the endpoints in PUBLIC_ENDPOINTS may answer someone who is not signed in.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import PASSWORD

# "Forgot your password?" answers anyone, the same whether or not the address has an account.
PUBLIC_ENDPOINTS = {"auth.login", "auth.forgot_password", "static"}
# Public, but only with a valid signed (or secret) token in the URL; a forged one is a 404.
SIGNED_LINK_ENDPOINTS = {"unsubscribe.confirm", "unsubscribe.one_click", "calendar_feed.feed",
                         "reports.shared", "reports.shared_csv",
                         "join.accept", "auth.reset_password"}
# Booking pages: a partner's link, a manager's general link, a booked call's own link.
SIGNED_LINK_ENDPOINTS |= {"booking.partner_page", "booking.partner_book", "booking.general_page",
                          "booking.general_book", "booking.call_page", "booking.call_move",
                          "booking.call_cancel"}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _routes(app: Flask) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) for every rule and method but HEAD/OPTIONS; converters get 1."""
    routes = []
    for rule in app.url_map.iter_rules():
        built = rule.build({name: 1 for name in rule.arguments}, append_unknown=False)
        assert built is not None, f"cannot fill {rule.rule} with 1s"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((rule.endpoint, method, built[1]))
    return routes


def _is_api(url: str) -> bool:
    return url.startswith("/api/")


def _call(client: FlaskClient, method: str, url: str, **kwargs):
    return client.open(url, method=method, **kwargs)


def _page_refusal_problem(response) -> str | None:
    """Why this answer to a stranger is not a refusal, or None if it is one."""
    if response.status_code in (401, 403):
        return None
    if response.status_code == 302:
        target = urlsplit(response.headers["Location"]).path
        return None if target == "/login" else f"redirects to {target}, not /login"
    return f"answered {response.status_code}"


def test_the_walk_sees_pages_and_the_api(app):
    urls = {url for _, _, url in _routes(app)}

    assert "/partners/" in urls
    assert "/api/v1/partners" in urls
    assert "/api/v1/openapi.json" in urls
    assert PUBLIC_ENDPOINTS <= {endpoint for endpoint, _, _ in _routes(app)}


def test_strangers_are_sent_to_login_from_every_page(app, client):
    problems = []
    for endpoint, method, url in _routes(app):
        if endpoint in PUBLIC_ENDPOINTS | SIGNED_LINK_ENDPOINTS or _is_api(url):
            continue
        problem = _page_refusal_problem(_call(client, method, url))
        if problem:
            problems.append(f"{method} {url} ({endpoint}) {problem}")

    assert problems == []


@pytest.mark.parametrize("authorization", [None, "Bearer rpt_wrong", "Basic bWlhOnB3"])
def test_every_api_route_refuses_without_a_valid_token(app, client, api_token, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    problems = []
    for endpoint, method, url in _routes(app):
        if not _is_api(url):
            continue
        response = _call(client, method, url, headers=headers, json={})
        error = (response.get_json(silent=True) or {}).get("error", {})
        if response.status_code != 401 or error.get("code") != "unauthorized":
            problems.append(f"{method} {url} ({endpoint}) answered {response.status_code}")
        elif not response.headers.get("WWW-Authenticate", "").startswith("Bearer"):
            problems.append(f"{method} {url} ({endpoint}) has no WWW-Authenticate")

    assert problems == []


def test_signed_links_refuse_a_forged_token(app, client):
    for endpoint, method, url in _routes(app):
        if endpoint in SIGNED_LINK_ENDPOINTS:
            assert _call(client, method, url).status_code == 404, (method, url)


def test_only_allow_listed_endpoints_answer_strangers(app, client):
    answered = {
        endpoint
        for endpoint, method, url in _routes(app)
        if _call(client, method, url).status_code < 300
    }

    assert answered <= PUBLIC_ENDPOINTS
    assert "auth.login" in answered


def test_public_endpoints_do_not_fail(app, client):
    for endpoint, method, url in _routes(app):
        if endpoint in PUBLIC_ENDPOINTS:
            assert _call(client, method, url).status_code < 500, (method, url)


def _login_with_csrf(client: FlaskClient, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "login form has no CSRF token"
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_signed_in_form_posts_without_csrf_token_are_400(app, client, manager, app_config):
    _login_with_csrf(client, manager.email)
    problems = []
    for endpoint, method, url in _routes(app):
        if method not in UNSAFE_METHODS or _is_api(url) or endpoint in SIGNED_LINK_ENDPOINTS:
            continue
        response = _call(client, method, url, data={})
        if response.status_code != 400:
            problems.append(f"{method} {url} ({endpoint}) answered {response.status_code}")

    assert problems == []
    # Still signed in: the logout form went nowhere either.
    assert urlsplit(client.get("/").headers["Location"]).path == "/dashboard/"


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_api_needs_no_csrf_token(api, app_config):
    response = api.post("/api/v1/partners", json={"name": "Lena Loop"})

    assert response.status_code == 201
