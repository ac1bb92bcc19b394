"""/api/v1/placements/<id>: read, change and remove one placement; and its edit page's ids.

The clock stands at 10 Mar 2026 (tests/conftest.py).
"""

import re
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.growth import placements
from crm.models import Interaction, Placement
from tests.conftest import PASSWORD
from tests.growth.helpers import member


def booked(membership) -> Placement:
    """A newsletter placement from 1 to 19 Mar 2026 for $1,250.00, running today."""
    return placements.add_placement(membership, "newsletter", date(2026, 3, 1),
                                    date(2026, 3, 19), 125_000, "Spring issue")


def stored(placement: Placement) -> tuple:
    db.session.expire_all()
    fresh = db.session.get(Placement, placement.id)
    return (fresh.kind, fresh.starts_on, fresh.ends_on, fresh.fee_cents, fresh.notes)


def timeline(partner) -> list[Interaction]:
    return list(db.session.scalars(select(Interaction).where(Interaction.partner_id == partner.id)
                                   .order_by(Interaction.id)))


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


BOOKED = ("newsletter", date(2026, 3, 1), date(2026, 3, 19), 125_000, "Spring issue")


def test_get_one_placement_in_cents_with_its_currency_and_state(api):
    placement = booked(member(currency="EUR"))

    response = api.get(f"/api/v1/placements/{placement.id}")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["membership_id"], body["kind"], body["fee_cents"]) == (
        placement.id, placement.membership_id, "newsletter", 125_000)
    assert (body["currency"], body["state"], body["starts_on"], body["ends_on"]) == (
        "EUR", "running", "2026-03-01", "2026-03-19")


def test_patch_changes_only_the_given_fields_and_records_what_it_was(api, membership, manager):
    placement = booked(membership)

    response = api.patch(f"/api/v1/placements/{placement.id}",
                         json={"ends_on": "2026-03-26", "fee_cents": 150_000})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["kind"], body["ends_on"], body["fee_cents"], body["notes"]) == (
        "newsletter", "2026-03-26", 150_000, "Spring issue")
    assert stored(placement) == ("newsletter", date(2026, 3, 1), date(2026, 3, 26), 150_000,
                                 "Spring issue")
    event = timeline(membership.partner)[-1]
    assert event.summary == ("Paid placement at Summit & Pine changed: Newsletter, 1 Mar 2026 – "
                             "26 Mar 2026, $1,500.00")
    assert event.body == "Was: Newsletter, 1 Mar 2026 – 19 Mar 2026, $1,250.00"
    assert event.author_id == manager.id


def test_patch_with_a_null_fee_means_no_fee_agreed(api, membership):
    placement = booked(membership)

    body = api.patch(f"/api/v1/placements/{placement.id}", json={"fee_cents": None}).get_json()

    assert body["fee_cents"] is None and stored(placement)[3] is None


def test_an_empty_patch_changes_nothing_and_records_nothing(api, membership):
    placement = booked(membership)
    events = len(timeline(membership.partner))

    response = api.patch(f"/api/v1/placements/{placement.id}", json={})

    assert response.status_code == 200
    assert stored(placement) == BOOKED
    assert len(timeline(membership.partner)) == events


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "skywriting"}, "kind"),
    ({"kind": None}, "kind"),
    ({"starts_on": None}, "starts_on"),
    ({"starts_on": "1 March"}, "starts_on"),
    ({"ends_on": "2026-02-01"}, "ends_on"),
    ({"ends_on": None}, "ends_on"),
    ({"starts_on": "2032-01-01", "ends_on": "2032-01-02"}, "starts_on"),
    ({"fee_cents": "1,250.00"}, "fee_cents"),
    ({"fee_cents": 12.5}, "fee_cents"),
    ({"fee_cents": -100}, "fee_cents"),
    ({"notes": "x" * 5001}, "notes"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_patch_is_422_naming_the_field_and_changes_nothing(api, membership, body, field):
    placement = booked(membership)
    events = len(timeline(membership.partner))

    response = api.patch(f"/api/v1/placements/{placement.id}", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and field in error["fields"]
    assert stored(placement) == BOOKED
    assert len(timeline(membership.partner)) == events


def test_delete_removes_it_and_the_timeline_keeps_a_line(api, membership, manager):
    placement = booked(membership)

    response = api.delete(f"/api/v1/placements/{placement.id}")

    assert response.status_code == 204 and response.get_data() == b""
    assert count(Placement) == 0
    event = timeline(membership.partner)[-1]
    assert event.summary == ("Paid placement at Summit & Pine removed: Newsletter, 1 Mar 2026 – "
                             "19 Mar 2026, $1,250.00")
    assert event.author_id == manager.id
    assert api.get(f"/api/v1/placements/{placement.id}").status_code == 404


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_unknown_placement_is_a_404(api, method):
    kwargs = {"json": {}} if method == "patch" else {}

    response = getattr(api, method)("/api/v1/placements/999", **kwargs)

    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and "#999" in error["message"]


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_placement_needs_a_valid_token(client, membership, method):
    placement = booked(membership)

    response = client.open(f"/api/v1/placements/{placement.id}", method=method.upper(),
                           headers={"Authorization": "Bearer rpt_wrong"}, json={})

    assert response.status_code == 401
    assert stored(placement) == BOOKED


def test_the_spec_documents_one_placement(api):
    spec = api.get("/api/v1/openapi.json").get_json()

    operations = spec["paths"]["/api/v1/placements/{placement_id}"]
    assert {"get", "patch", "delete"} <= set(operations)
    assert "204" in operations["delete"]["responses"]
    assert "404" in operations["get"]["responses"]
    schemas = spec["components"]["schemas"]
    update = schemas["PlacementUpdate"]
    assert "required" not in update
    assert set(update["properties"]) == {"kind", "starts_on", "ends_on", "fee_cents", "notes"}
    assert update["properties"]["fee_cents"]["type"] == ["integer", "null"]
    assert update["properties"]["kind"]["enum"] == list(schemas["Placement"]["properties"]
                                                        ["kind"]["enum"])
    body = operations["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("/PlacementUpdate")


# --- the edit page --------------------------------------------------------------------------


def _token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_edit_page_has_unique_ids_and_the_remove_form_still_works(client, manager,
                                                                       app_config):
    client.post("/login", data={"email": manager.email, "password": PASSWORD,
                                "csrf_token": _token(client.get("/login").get_data(as_text=True))})
    placement = booked(member())

    page = client.get(f"/growth/placements/{placement.id}/edit").get_data(as_text=True)

    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [name for name, seen in ids.items() if seen > 1] == []
    assert ids["csrf_token"] == 1
    remove_form = page[page.index(f'action="/growth/placements/{placement.id}/delete"'):]
    assert client.post(f"/growth/placements/{placement.id}/delete").status_code == 400
    assert count(Placement) == 1
    response = client.post(f"/growth/placements/{placement.id}/delete",
                           data={"csrf_token": _token(remove_form)})
    assert response.status_code == 302 and count(Placement) == 0
