"""The partner resource: create, read, change, list with the list page's filters."""

from crm.extensions import db
from crm.models import Interaction, Partner
from crm.partners.queries import PartnerFilters, partner_query
from tests.factories import make_client, make_membership, make_partner, make_user


def test_create_partner_returns_201_with_location_and_the_partner(api, manager):
    response = api.post("/api/v1/partners", json={
        "name": "Lena Loop", "email": "lena@looplife.com", "website": "looplife.com/blog",
        "tags": ["Travel", "family"], "channels": ["blog", "instagram"], "stage": "contacted",
        "source": "conference", "country": "DE", "timezone": "Europe/Berlin",
    })

    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == f"http://localhost/api/v1/partners/{body['id']}"
    assert body["url"] == response.headers["Location"]
    assert body["name"] == "Lena Loop"
    assert body["website"] == "https://looplife.com/blog"
    assert body["tags"] == ["family", "travel"]
    assert body["channels"] == ["blog", "instagram"]
    assert body["stage"] == "contacted"
    assert body["owner"] == {"id": manager.id, "name": manager.name, "email": manager.email}
    assert body["memberships"] == []
    assert body["created_at"] == "2026-03-10T14:00:00+00:00"
    assert body["last_interaction_at"] is None


def test_created_partner_is_stored_with_its_timeline_event(api):
    response = api.post("/api/v1/partners", json={"name": "Omar Outdoors"})

    partner = db.session.get(Partner, response.get_json()["id"])
    assert partner.name == "Omar Outdoors"
    events = db.session.scalars(db.select(Interaction.summary).filter_by(partner_id=partner.id))
    assert list(events) == ["Partner added"]


def test_get_partner_shows_owner_tags_and_memberships(api, manager):
    partner = make_partner(name="Pia Pages", owner_id=manager.id, tags=["books"])
    brand = make_client(name="Trailhead Gear")
    membership = make_membership(partner, brand, status="approved", commission_terms="12% CPS")

    body = api.get(f"/api/v1/partners/{partner.id}").get_json()

    assert body["id"] == partner.id
    assert body["tags"] == ["books"]
    assert body["owner"]["email"] == manager.email
    assert body["memberships"] == [{
        "id": membership.id, "client_id": brand.id, "client_name": "Trailhead Gear",
        "partner_id": partner.id,
        "partner_name": "Pia Pages", "status": "approved", "commission_terms": "12% CPS",
        "started_on": None, "created_at": "2026-03-10T14:00:00+00:00",
    }]


def test_patch_changes_only_the_given_fields_and_records_the_stage_change(api):
    partner = make_partner(name="Ravi Reviews", company="Ravi Media")

    response = api.patch(f"/api/v1/partners/{partner.id}", json={"stage": "active"})

    assert response.status_code == 200
    assert response.get_json()["stage"] == "active"
    assert response.get_json()["company"] == "Ravi Media"
    summaries = db.session.scalars(db.select(Interaction.summary).filter_by(partner_id=partner.id))
    assert list(summaries) == ["Stage changed: prospect → active"]


def test_patch_can_hand_a_partner_to_another_owner_and_clear_the_email(api):
    partner = make_partner()
    other = make_user(name="Noor Network")

    body = api.patch(
        f"/api/v1/partners/{partner.id}", json={"owner_id": other.id, "email": None}
    ).get_json()

    assert body["owner"]["name"] == "Noor Network"
    assert body["email"] is None


def test_list_gives_items_in_id_order_and_no_next_cursor_on_the_last_page(api):
    first, second = make_partner(), make_partner()

    body = api.get("/api/v1/partners").get_json()

    assert [item["id"] for item in body["items"]] == [first.id, second.id]
    assert body["next_cursor"] is None


def _partner_in(stage: str, source: str, **fields) -> Partner:
    partner = make_partner(**fields)
    partner.stage, partner.source = stage, source
    db.session.commit()
    return partner


def test_list_filters_match_the_list_page_query(api, manager):
    brand = make_client()
    wanted = _partner_in(
        "active", "conference", name="Travel Tom", owner_id=manager.id, tags=["travel"]
    )
    make_membership(wanted, brand)
    _partner_in("active", "conference", name="Travel Tina", tags=["travel"])
    make_partner(name="Food Fay", owner_id=manager.id, tags=["food"])
    args = {"q": "travel", "stage": "active", "owner_id": str(manager.id),
            "client_id": str(brand.id), "source": "conference", "tag": "travel"}

    for name, value in args.items():
        body = api.get("/api/v1/partners", query_string={name: value}).get_json()
        page_query = partner_query(PartnerFilters.from_args({name: value}))
        expected = {partner.id for partner in db.session.scalars(page_query)}
        assert {item["id"] for item in body["items"]} == expected, name
    everything = api.get("/api/v1/partners", query_string=args).get_json()
    assert [item["id"] for item in everything["items"]] == [wanted.id]


def test_blank_query_arguments_are_ignored_like_on_the_list_page(api):
    partner = make_partner()

    body = api.get("/api/v1/partners?stage=&q=").get_json()

    assert [item["id"] for item in body["items"]] == [partner.id]
