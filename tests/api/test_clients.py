"""The client resource and its program members."""

from crm.extensions import db
from crm.models import Interaction
from tests.factories import make_client, make_partner


def test_create_client_returns_201_with_location(api):
    response = api.post("/api/v1/clients", json={
        "name": "Trailhead Gear", "website": "https://trailhead.com",
        "goals": "Grow outdoor bloggers", "growth_levers": ["promotion", "paid_placement"],
    })

    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"http://localhost/api/v1/clients/{body['id']}"
    assert body["growth_levers"] == ["promotion", "paid_placement"]
    assert body["created_at"] == "2026-03-10T14:00:00+00:00"


def test_list_clients_in_id_order(api):
    first, second = make_client(), make_client()

    body = api.get("/api/v1/clients").get_json()

    assert [item["id"] for item in body["items"]] == [first.id, second.id]
    assert body["next_cursor"] is None


def test_patch_client_changes_the_given_fields(api):
    brand = make_client(name="Old Name", goals="Keep")

    body = api.patch(f"/api/v1/clients/{brand.id}", json={"name": "New Name"}).get_json()

    assert body["name"] == "New Name"
    assert body["goals"] == "Keep"


def test_add_member_puts_the_partner_in_the_program_and_on_the_timeline(api):
    brand, partner = make_client(name="Trailhead Gear"), make_partner(name="Pia Pages")

    response = api.post(f"/api/v1/clients/{brand.id}/members", json={
        "partner_id": partner.id, "status": "approved", "commission_terms": "10% CPS",
        "started_on": "2026-03-01",
    })

    assert response.status_code == 201
    assert response.get_json()["started_on"] == "2026-03-01"
    client_body = api.get(f"/api/v1/clients/{brand.id}").get_json()
    assert [(m["partner_name"], m["status"]) for m in client_body["members"]] == [
        ("Pia Pages", "approved")
    ]
    summaries = db.session.scalars(db.select(Interaction.summary).filter_by(partner_id=partner.id)
                                   .order_by(Interaction.id))
    # Approval starts the welcome sequence in the same transaction.
    assert list(summaries) == ["Added to Trailhead Gear's program",
                               "Enrolled in 'Welcome to the program'"]


def test_adding_a_member_twice_is_a_conflict_on_partner_id(api):
    brand, partner = make_client(), make_partner()
    api.post(f"/api/v1/clients/{brand.id}/members", json={"partner_id": partner.id})

    response = api.post(f"/api/v1/clients/{brand.id}/members", json={"partner_id": partner.id})

    assert response.status_code == 409
    assert set(response.get_json()["error"]["fields"]) == {"partner_id"}


def test_adding_an_unknown_partner_is_invalid_input_on_partner_id(api):
    brand = make_client()

    response = api.post(f"/api/v1/clients/{brand.id}/members", json={"partner_id": 999})

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"partner_id": "there is no partner #999"}
