"""/api/v1/memberships/<id>: commission changes, placements, promotions; errors name the field."""

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import CommissionChange, Interaction, Placement, Promotion
from tests.growth.helpers import member


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_membership_shows_the_terms_in_force_and_currency(api, app):
    membership = member(currency="EUR")

    body = api.get(f"/api/v1/memberships/{membership.id}").get_json()

    assert body["terms_in_force"] == "8% CPS"
    assert (body["currency"], body["client_name"], body["partner_name"], body["status"]) == (
        "EUR", "Summit & Pine", "Jamie Rivera", "approved")


def test_record_and_list_commission_changes(api, membership, manager):
    response = api.post(f"/api/v1/memberships/{membership.id}/commission-changes", json={
        "new_terms": "10% CPS", "effective_on": "2026-03-12", "reason": "Spring"})

    assert response.status_code == 201
    body = response.get_json()
    assert (body["old_terms"], body["new_terms"], body["effective_on"], body["scheduled"]) == (
        "8% CPS", "10% CPS", "2026-03-12", True)
    assert body["created_by"]["id"] == manager.id
    assert body["created_at"] == "2026-03-10T14:00:00+00:00"
    listed = api.get(f"/api/v1/memberships/{membership.id}/commission-changes").get_json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert api.get(f"/api/v1/memberships/{membership.id}").get_json()["terms_in_force"] == (
        "8% CPS")


def test_a_change_effective_today_is_in_force_at_once(api, membership):
    api.post(f"/api/v1/memberships/{membership.id}/commission-changes",
             json={"new_terms": "10% CPS", "effective_on": "2026-03-10"})

    body = api.get(f"/api/v1/memberships/{membership.id}").get_json()
    assert body["terms_in_force"] == "10% CPS"


@pytest.mark.parametrize(("body", "field"), [
    ({"effective_on": "2026-03-12"}, "new_terms"),
    ({"new_terms": "", "effective_on": "2026-03-12"}, "new_terms"),
    ({"new_terms": "8% CPS", "effective_on": "2026-03-12"}, "new_terms"),
    ({"new_terms": "10% CPS"}, "effective_on"),
    ({"new_terms": "10% CPS", "effective_on": "12 March"}, "effective_on"),
    ({"new_terms": "10% CPS", "effective_on": "2030-01-01"}, "effective_on"),
    ({"new_terms": "10% CPS", "effective_on": "2026-03-12", "reason": "x" * 2001}, "reason"),
    ({"new_terms": "10% CPS", "effective_on": "2026-03-12", "colour": "red"}, "colour"),
])
def test_bad_commission_changes_are_422_naming_the_field(api, membership, body, field):
    response = api.post(f"/api/v1/memberships/{membership.id}/commission-changes", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and field in error["fields"]
    assert count(CommissionChange) == 0 and count(Interaction) == 0


def test_book_and_list_placements_in_cents_with_the_currency(api, membership):
    response = api.post(f"/api/v1/memberships/{membership.id}/placements", json={
        "kind": "newsletter", "starts_on": "2026-03-01", "ends_on": "2026-03-19",
        "fee_cents": 125000, "notes": "Spring issue"})

    assert response.status_code == 201
    body = response.get_json()
    assert (body["fee_cents"], body["currency"], body["state"], body["kind"]) == (
        125000, "USD", "running", "newsletter")
    listed = api.get(f"/api/v1/memberships/{membership.id}/placements").get_json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "skywriting"}, "kind"),
    ({"fee_cents": "1,250.00"}, "fee_cents"),
    ({"fee_cents": 12.5}, "fee_cents"),
    ({"fee_cents": -100}, "fee_cents"),
    ({"ends_on": "2026-03-11"}, "ends_on"),
    ({"ends_on": None}, "ends_on"),
])
def test_bad_placements_are_422_naming_the_field(api, membership, changes, field):
    body = {"kind": "newsletter", "starts_on": "2026-03-12", "ends_on": "2026-03-19", **changes}

    response = api.post(f"/api/v1/memberships/{membership.id}/placements", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert count(Placement) == 0


def test_record_and_list_promotions(api, membership):
    response = api.post(f"/api/v1/memberships/{membership.id}/promotions", json={
        "code": "TRAIL20", "starts_on": "2026-03-12", "terms": "20% off"})

    assert response.status_code == 201
    body = response.get_json()
    assert (body["code"], body["ends_on"], body["state"]) == ("TRAIL20", None, "upcoming")
    listed = api.get(f"/api/v1/memberships/{membership.id}/promotions").get_json()["items"]
    assert [item["code"] for item in listed] == ["TRAIL20"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"code": "TRAIL 20"}, "code"),
    ({"code": "X" * 65}, "code"),
    ({"starts_on": None}, "starts_on"),
    ({"ends_on": "2026-03-01"}, "ends_on"),
])
def test_bad_promotions_are_422_naming_the_field(api, membership, changes, field):
    body = {"code": "TRAIL20", "starts_on": "2026-03-12", **changes}

    response = api.post(f"/api/v1/memberships/{membership.id}/promotions", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert count(Promotion) == 0


@pytest.mark.parametrize("path", ["", "/commission-changes", "/placements", "/promotions"])
def test_an_unknown_membership_is_a_404(api, path):
    response = api.get(f"/api/v1/memberships/999{path}")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_spec_documents_the_growth_resources(api):
    spec = api.get("/api/v1/openapi.json").get_json()

    for path in ("commission-changes", "placements", "promotions"):
        operations = spec["paths"][f"/api/v1/memberships/{{membership_id}}/{path}"]
        assert {"get", "post"} <= set(operations)
    schemas = spec["components"]["schemas"]
    assert set(schemas["PlacementCreate"]["required"]) == {"kind", "starts_on", "ends_on"}
    assert schemas["PlacementCreate"]["properties"]["fee_cents"]["type"] == ["integer", "null"]
    assert schemas["CommissionChangeCreate"]["properties"]["effective_on"]["format"] == "date"
    assert "terms_in_force" in schemas["MembershipTerms"]["properties"]
