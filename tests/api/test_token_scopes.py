"""A read token reads everything its user may read and changes nothing, on every route."""

from __future__ import annotations

import pytest

from crm.auth.service import create_token
from tests.factories import ApiClient, make_partner


@pytest.fixture
def reader(client, manager) -> ApiClient:
    return ApiClient(client, create_token(manager, "dashboard", scope="read"))


def test_a_read_token_gets_200_on_reads(reader):
    partner = make_partner(name="Nina Novak")

    assert reader.get("/api/v1/partners").status_code == 200
    assert reader.get(f"/api/v1/partners/{partner.id}").get_json()["name"] == "Nina Novak"
    assert reader.client.head("/api/v1/partners", headers=reader.headers).status_code == 200


WRITES = [("POST", "/api/v1/partners"), ("PATCH", "/api/v1/partners/{id}"),
          ("DELETE", "/api/v1/partners/{id}"), ("POST", "/api/v1/partners/{id}/interactions"),
          ("PUT", "/api/v1/partners/{id}"), ("POST", "/api/v1/inbound")]


def test_a_read_token_gets_403_in_the_error_shape_on_every_write(reader):
    partner = make_partner(name="Nina Novak")

    answers = [reader.client.open(path.format(id=partner.id), method=method,
                                  headers=reader.headers, json={"name": "Changed"})
               for method, path in WRITES]

    assert [answer.status_code for answer in answers] == [403] * len(WRITES)
    errors = [answer.get_json()["error"] for answer in answers]
    assert {error["code"] for error in errors} == {"forbidden"}
    assert "read-write" in errors[0]["message"]
    assert reader.get(f"/api/v1/partners/{partner.id}").get_json()["name"] == "Nina Novak"


def test_a_read_write_token_still_writes(api):
    assert api.post("/api/v1/partners", json={"name": "Lena Loop"}).status_code == 201
