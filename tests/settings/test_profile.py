"""My settings › Profile: a user changes their own name, time zone and signature."""

from __future__ import annotations

from crm.extensions import db


def test_the_profile_page_shows_the_users_own_values(logged_in, manager):
    page = logged_in.get("/settings/profile")

    assert page.status_code == 200
    assert b'value="Mia Manager"' in page.data
    assert b'<option selected value="Europe/Berlin">' in page.data


def test_saving_the_profile_changes_name_zone_and_signature(logged_in, manager):
    response = logged_in.post("/settings/profile", data={
        "name": "  Mia Mustermann ", "timezone": "America/New_York",
        "signature": "Mia\r\nPartnerships, Agency\r\n\r\n"})

    assert response.status_code == 302
    db.session.refresh(manager)
    assert (manager.name, manager.timezone) == ("Mia Mustermann", "America/New_York")
    assert manager.signature == "Mia\nPartnerships, Agency"


def test_an_unknown_zone_and_a_blank_name_are_refused_and_nothing_changes(logged_in, manager):
    response = logged_in.post("/settings/profile", data={
        "name": " ", "timezone": "Mars/Olympus", "signature": "new"})

    assert response.status_code == 422
    assert b"unknown time zone" in response.data
    assert b"is required" in response.data
    db.session.refresh(manager)
    assert (manager.name, manager.timezone, manager.signature) == (
        "Mia Manager", "Europe/Berlin", "")


def test_settings_needs_a_login(client):
    response = client.get("/settings/profile")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
