"""The client pages: list with member counts, profile, program members, forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Client, Interaction, Membership
from tests.factories import make_client, make_membership, make_partner


def member_count(client: Client) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Membership).where(Membership.client_id == client.id)
    )


def client_form(**fields) -> dict:
    values = {"name": "Northwind Outdoor", "website": "northwind-outdoor.com",
              "goals": "30 content partners in DACH", "brand_notes": "Never mention rivals.",
              "growth_levers": ["paid_placement", "product_seeding"]}
    values.update(fields)
    return values


# ---- list ----------------------------------------------------------------------------


def test_the_list_shows_each_client_with_its_member_counts(logged_in):
    northwind = make_client(name="Northwind")
    make_client(name="Acme Travel")
    for status in ("approved", "approved", "pending"):
        make_membership(make_partner(), northwind, status=status)

    html = logged_in.get("/clients/").get_data(as_text=True)

    assert re.findall(r'class="partner-name">([^<]+)<', html) == ["Acme Travel", "Northwind"]
    northwind_row = html.split(">Northwind</a>")[1].split("</tr>")[0]
    assert re.findall(r'>(\d+)</(?:a|td)>', northwind_row) == ["3", "2"]
    acme_row = html.split(">Acme Travel</a>")[1].split("</tr>")[0]
    assert re.findall(r'>(\d+)</(?:a|td)>', acme_row) == ["0", "0"]


def test_no_clients_shows_an_empty_state(logged_in):
    assert "No clients yet" in logged_in.get("/clients/").get_data(as_text=True)


# ---- new and edit --------------------------------------------------------------------


def test_adding_a_client_with_growth_levers(logged_in):
    response = logged_in.post("/clients/new", data=client_form())

    client = db.session.scalar(select(Client))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/clients/{client.id}"
    assert client.growth_levers == ["paid_placement", "product_seeding"]
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Northwind Outdoor added." in page
    assert '<span class="badge lever">Paid placement</span>' in page
    assert "30 content partners in DACH" in page


def test_the_client_form_has_a_labelled_checkbox_per_lever(logged_in):
    html = logged_in.get("/clients/new").get_data(as_text=True)

    for lever in ("commission_increase", "paid_placement", "exclusive_code"):
        assert f'<label for="lever-{lever}">' in html
        assert f'id="lever-{lever}" name="growth_levers" value="{lever}"' in html


def test_a_duplicate_client_name_is_refused(logged_in):
    make_client(name="Northwind Outdoor")

    response = logged_in.post("/clients/new", data=client_form(name="northwind outdoor"))

    assert response.status_code == 409
    assert "already taken" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Client)) == 1


def test_a_client_needs_a_name(logged_in):
    response = logged_in.post("/clients/new", data=client_form(name=" "))

    assert response.status_code == 422
    assert re.search(r'id="name-error"[^>]*>is required<', response.get_data(as_text=True))


def test_editing_a_client(logged_in):
    client = make_client(name="Northwind", growth_levers=["promotion"])
    form = logged_in.get(f"/clients/{client.id}/edit").get_data(as_text=True)
    assert re.search(r'id="lever-promotion"[^>]*\s+checked', form)

    response = logged_in.post(f"/clients/{client.id}/edit", data=client_form(
        name="Northwind Outdoor", growth_levers=["exclusive_code"]))

    assert response.status_code == 302
    db.session.refresh(client)
    assert client.name == "Northwind Outdoor"
    assert client.growth_levers == ["exclusive_code"]


@pytest.mark.parametrize("url", ["/clients/999", "/clients/999/edit",
                                 "/clients/999/partner-options"])
def test_a_missing_client_is_not_found(logged_in, url):
    assert logged_in.get(url).status_code == 404


# ---- members -------------------------------------------------------------------------


def test_the_client_page_lists_members_with_terms_and_status(logged_in):
    client = make_client(name="Northwind", goals="Grow DACH")
    alice = make_partner(name="Alice", company="Trail Tales")
    make_membership(alice, client, status="approved", commission_terms="12% CPS")
    make_partner(name="Outsider")

    html = logged_in.get(f"/clients/{client.id}").get_data(as_text=True)

    members = html.split('id="members-heading"')[1]
    assert f'href="/partners/{alice.id}"' in members
    assert "12% CPS" in members
    assert '<option value="approved" selected>Approved</option>' in members
    assert '<label for="status-' in members
    assert "Grow DACH" in html
    assert "1 partner in the program" in html


def test_adding_a_partner_to_the_program(logged_in, manager):
    client = make_client(name="Northwind")
    partner = make_partner(name="Alice")

    response = logged_in.post(f"/clients/{client.id}/members", data={
        "partner_id": partner.id, "status": "approved", "commission_terms": "10% CPS",
        "started_on": "2026-03-01",
    }, follow_redirects=True)

    membership = db.session.scalar(select(Membership))
    assert (membership.partner_id, membership.status, membership.commission_terms) == (
        partner.id, "approved", "10% CPS")
    assert membership.started_on.isoformat() == "2026-03-01"
    assert "Alice added to the program." in response.get_data(as_text=True)
    event = db.session.scalar(select(Interaction).where(Interaction.partner_id == partner.id))
    assert event.summary == "Added to Northwind's program"
    assert event.author_id == manager.id


def test_a_partner_cannot_join_the_same_program_twice(logged_in):
    client = make_client(name="Northwind")
    partner = make_partner(name="Alice")
    make_membership(partner, client)

    response = logged_in.post(f"/clients/{client.id}/members",
                              data={"partner_id": partner.id, "status": "pending"})

    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "already a member" in html
    assert member_count(client) == 1


@pytest.mark.parametrize(("partner_id", "message"), [("", "Pick a partner."),
                                                      ("999", "No partner with this id.")])
def test_adding_needs_an_existing_partner(logged_in, partner_id, message):
    client = make_client()

    response = logged_in.post(f"/clients/{client.id}/members",
                              data={"partner_id": partner_id, "status": "pending"})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert member_count(client) == 0


def test_the_partner_picker_searches_partners(logged_in):
    client = make_client()
    alice = make_partner(name="Alice Meyer", company="Trail Tales")
    make_partner(name="Bruno Okafor")

    html = logged_in.get(f"/clients/{client.id}/partner-options?partner_q=trail",
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    page = logged_in.get(f"/clients/{client.id}?partner_q=okafor").get_data(as_text=True)

    assert f'<option value="{alice.id}"' in html
    assert "Bruno" not in html
    assert "Bruno Okafor" in page.split('id="member-partner"')[1].split("</select>")[0]
    assert "Alice Meyer" not in page.split('id="member-partner"')[1].split("</select>")[0]


def test_changing_a_membership_status_is_recorded(logged_in):
    client = make_client(name="Northwind")
    partner = make_partner(name="Alice")
    membership = make_membership(partner, client, status="pending")

    response = logged_in.post(
        f"/clients/{client.id}/members/{membership.id}/status", data={"status": "approved"},
        follow_redirects=True,
    )

    db.session.refresh(membership)
    assert membership.status == "approved"
    assert "Alice is now approved." in response.get_data(as_text=True)
    event = db.session.scalar(select(Interaction).where(Interaction.partner_id == partner.id))
    assert event.summary == "Northwind program: pending → approved"


def test_an_unknown_membership_status_changes_nothing(logged_in):
    client = make_client()
    membership = make_membership(make_partner(), client, status="pending")

    response = logged_in.post(f"/clients/{client.id}/members/{membership.id}/status",
                              data={"status": "won"}, follow_redirects=True)

    db.session.refresh(membership)
    assert membership.status == "pending"
    assert "Status not changed" in response.get_data(as_text=True)


def test_a_membership_of_another_client_is_not_found(logged_in):
    mine, theirs = make_client(), make_client()
    membership = make_membership(make_partner(), theirs)

    response = logged_in.post(f"/clients/{mine.id}/members/{membership.id}/status",
                              data={"status": "approved"})

    assert response.status_code == 404
