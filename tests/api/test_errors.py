"""How the API refuses: always {"error": {"code", "message", "fields"}} with the right status."""

from datetime import UTC, datetime

import pytest

from crm.api.pagination import id_cursor
from crm.extensions import db
from crm.models import ApiToken
from tests.factories import make_client, make_partner


def _error(response) -> dict:
    assert response.is_json, response.data
    return response.get_json()["error"]


@pytest.mark.parametrize("header", [None, "Bearer rpt_not-a-token", "Basic bWlhOnB3", "Bearer "])
def test_missing_or_wrong_token_is_401_with_www_authenticate(client, api_token, header):
    headers = {"Authorization": header} if header else {}

    response = client.get("/api/v1/partners", headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _error(response)["code"] == "unauthorized"


def test_revoked_token_is_401(api, api_token):
    token = db.session.scalar(db.select(ApiToken))
    token.revoked_at = datetime(2026, 3, 1, tzinfo=UTC)
    db.session.commit()

    response = api.get("/api/v1/partners")

    assert response.status_code == 401
    assert "WWW-Authenticate" in response.headers


def test_the_api_ignores_a_logged_in_session(logged_in):
    response = logged_in.get("/api/v1/partners")

    assert response.status_code == 401


def test_invalid_fields_are_422_naming_each_field(api):
    response = api.post("/api/v1/partners", json={
        "name": "", "email": "not-an-email", "stage": "famous", "owner_id": "7",
    })

    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "invalid_input"
    assert error["fields"]["email"] == "Not a valid email address."
    assert set(error["fields"]) == {"name", "email", "stage", "owner_id"}


def test_missing_required_field_is_422(api):
    response = api.post("/api/v1/partners", json={"email": "a@looplife.com"})

    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"name"}


def test_domain_rules_come_back_as_field_errors_too(api):
    response = api.post("/api/v1/partners", json={
        "name": "Zed", "timezone": "Mars/Olympus", "country": "Germany", "owner_id": 999,
    })

    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"timezone", "country", "owner_id"}


def test_unknown_field_is_422_naming_it(api):
    response = api.post("/api/v1/partners", json={"name": "Zed", "nickname": "Z"})

    assert response.status_code == 422
    error = _error(response)
    assert error["fields"] == {"nickname": "Unknown field."}
    assert "nickname" in error["message"]


def test_unknown_query_argument_is_422_naming_it(api):
    response = api.get("/api/v1/partners?stgae=active")

    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"stgae"}


def test_a_list_item_of_the_wrong_type_names_the_field(api):
    response = api.post("/api/v1/partners", json={"name": "Zed", "tags": ["ok", 5]})

    assert response.status_code == 422
    assert _error(response)["fields"]["tags"] == "item 1: Not a valid string."


def test_malformed_json_is_400(api):
    response = api.client.post(
        "/api/v1/partners", data='{"name": "Zed",', headers=api.headers,
        content_type="application/json",
    )

    assert response.status_code == 400
    assert _error(response)["code"] == "bad_request"


def test_a_body_that_is_not_an_object_is_422(api):
    response = api.post("/api/v1/partners", json=["Zed"])

    assert response.status_code == 422
    assert _error(response)["message"] == "Invalid input type."


def test_a_form_body_is_415(api):
    response = api.client.post("/api/v1/partners", data={"name": "Zed"}, headers=api.headers)

    assert response.status_code == 415
    assert _error(response)["code"] == "unsupported_media_type"


def test_duplicate_email_is_409_on_email(api):
    make_partner(email="lena@looplife.com")

    response = api.post("/api/v1/partners", json={"name": "Lena", "email": "LENA@looplife.com"})

    assert response.status_code == 409
    assert set(_error(response)["fields"]) == {"email"}


def test_duplicate_website_is_409_on_website(api):
    make_partner(email=None, website="https://looplife.com")

    response = api.post("/api/v1/partners", json={"name": "Lena", "website": "www.looplife.com"})

    assert response.status_code == 409
    assert set(_error(response)["fields"]) == {"website"}


def test_patch_to_another_partners_email_is_409(api):
    make_partner(email="taken@looplife.com")
    partner = make_partner()

    response = api.patch(f"/api/v1/partners/{partner.id}", json={"email": "taken@looplife.com"})

    assert response.status_code == 409


def test_duplicate_client_name_is_409_on_name(api):
    make_client(name="Trailhead Gear")

    response = api.post("/api/v1/clients", json={"name": "trailhead gear"})

    assert response.status_code == 409
    assert set(_error(response)["fields"]) == {"name"}


@pytest.mark.parametrize("method, url", [
    ("get", "/api/v1/partners/999"),
    ("patch", "/api/v1/partners/999"),
    ("get", "/api/v1/partners/999/interactions"),
    ("post", "/api/v1/partners/999/interactions"),
    ("get", "/api/v1/partners/999/timeline"),
    ("get", "/api/v1/clients/999"),
    ("patch", "/api/v1/clients/999"),
    ("post", "/api/v1/clients/999/members"),
    ("get", "/api/v1/nothing-here"),
])
def test_missing_things_are_404_json(api, method, url):
    body = {"kind": "note", "summary": "x"} if url.endswith("interactions") else {}
    if url.endswith("members"):
        body = {"partner_id": make_partner().id}

    response = getattr(api, method)(url, **({"json": body} if method != "get" else {}))

    assert response.status_code == 404
    assert _error(response)["code"] == "not_found"


def test_naive_occurred_at_is_422_on_occurred_at(api):
    partner = make_partner()

    response = api.post(f"/api/v1/partners/{partner.id}/interactions", json={
        "kind": "call", "summary": "Intro", "occurred_at": "2026-03-09T10:30:00",
    })

    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"occurred_at"}


def test_system_kind_cannot_be_logged(api):
    partner = make_partner()

    response = api.post(
        f"/api/v1/partners/{partner.id}/interactions", json={"kind": "system", "summary": "x"}
    )

    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"kind"}


@pytest.mark.parametrize("cursor", ["garbage!", "aWQ6eA", "eDox"])
def test_invalid_cursor_is_422_on_cursor(api, cursor):
    response = api.get("/api/v1/partners", query_string={"cursor": cursor})

    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"cursor"}


def test_timeline_rejects_a_partner_cursor(api):
    partner = make_partner()

    response = api.get(
        f"/api/v1/partners/{partner.id}/timeline", query_string={"cursor": id_cursor(partner.id)}
    )

    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"cursor"}


@pytest.mark.parametrize("limit", ["0", "201", "many"])
def test_limit_out_of_range_is_422_on_limit(api, limit):
    response = api.get("/api/v1/partners", query_string={"limit": limit})

    assert response.status_code == 422
    assert set(_error(response)["fields"]) == {"limit"}


def test_wrong_method_is_405_json(api):
    response = api.delete("/api/v1/partners")

    assert response.status_code == 405
    assert _error(response)["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_page_errors_stay_html(logged_in):
    response = logged_in.get("/partners/999999")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
