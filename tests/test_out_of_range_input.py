"""Numbers the database cannot hold, and text it cannot store, are refused before a query.

PostgreSQL's integer ids are 32-bit and SQLite cannot bind an integer past 64 bits: both
used to turn such input into a 500.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import Map, Rule

from crm.ids import MAX_ID, IdConverter, parse_id, parse_page
from tests.factories import make_client, make_partner

HUGE = "117538531198093887187953442095104"


# --- pure ---------------------------------------------------------------------------------


def _match(path: str):
    routes = Map([Rule("/things/<int:thing_id>", endpoint="thing")],
                 converters={"int": IdConverter})
    return routes.bind("example.com").match(path)


def test_the_id_converter_takes_ids_up_to_the_column_maximum():
    assert _match(f"/things/{MAX_ID}") == ("thing", {"thing_id": MAX_ID})
    assert _match("/things/007") == ("thing", {"thing_id": 7})


@pytest.mark.parametrize("path", [f"/things/{MAX_ID + 1}", f"/things/{HUGE}",
                                  "/things/" + "9" * 5000, "/things/٣"])
def test_the_id_converter_matches_nothing_past_the_maximum_or_in_other_digits(path):
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        _match(path)


@pytest.mark.parametrize(("raw", "expected"), [
    ("42", 42), (" 42 ", 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (HUGE, None),
    ("", None), (None, None), ("-1", None), ("4.2", None), ("٣", None), ("9" * 5000, None),
])
def test_parse_id_reads_only_ids_the_database_could_hold(raw, expected):
    assert parse_id(raw) == expected


def test_a_page_number_out_of_range_is_the_first_page():
    assert (parse_page("3"), parse_page(HUGE), parse_page("0"), parse_page(None)) == (3, 1, 1, 1)


# --- API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_a_huge_id_in_an_api_path_is_a_404_in_the_error_shape(api, method):
    response = getattr(api, method)(f"/api/v1/placements/{HUGE}", **(
        {"json": {"notes": "x"}} if method == "patch" else {}))

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_an_id_just_past_the_column_maximum_is_a_404_too(api):
    assert api.get(f"/api/v1/partners/{MAX_ID + 1}").status_code == 404
    assert api.get(f"/api/v1/partners/{MAX_ID}").status_code == 404  # in range, no such row


def test_a_huge_id_in_a_body_is_a_422_naming_the_field(api):
    partner = make_partner()
    client = make_client()

    owner = api.patch(f"/api/v1/partners/{partner.id}", json={"owner_id": int(HUGE)})
    member = api.post(f"/api/v1/clients/{client.id}/members", json={"partner_id": 2**63})

    assert owner.status_code == member.status_code == 422
    assert set(owner.get_json()["error"]["fields"]) == {"owner_id"}
    assert set(member.get_json()["error"]["fields"]) == {"partner_id"}


def test_a_huge_id_in_a_query_string_or_cursor_is_a_422_naming_it(api):
    from crm.api.pagination import id_cursor

    by_owner = api.get(f"/api/v1/partners?owner_id={HUGE}")
    by_cursor = api.get(f"/api/v1/clients?cursor={id_cursor(int(HUGE))}")

    assert by_owner.status_code == by_cursor.status_code == 422
    assert set(by_owner.get_json()["error"]["fields"]) == {"owner_id"}
    assert set(by_cursor.get_json()["error"]["fields"]) == {"cursor"}


def test_text_with_a_nul_character_is_a_422_naming_the_field(api):
    response = api.post("/api/v1/clients", json={"name": "Fork\x00ful", "goals": "ok"})

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"name"}


def test_a_json_number_past_pythons_digit_limit_is_a_400(api):
    response = api.client.post("/api/v1/clients", data='{"name": ' + "9" * 5000 + "}",
                               headers={**api.headers, "Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_the_document_gives_id_parameters_and_id_fields_their_bounds(api):
    spec = api.get("/api/v1/openapi.json").get_json()

    (parameter,) = spec["paths"]["/api/v1/placements/{placement_id}"]["parameters"]
    owner = spec["components"]["schemas"]["PartnerUpdate"]["properties"]["owner_id"]

    assert parameter["schema"] == {"type": "integer", "format": "int32", "minimum": 0,
                                   "maximum": MAX_ID}
    assert (owner["minimum"], owner["maximum"]) == (1, MAX_ID)


# --- pages --------------------------------------------------------------------------------


def test_a_huge_id_in_a_page_path_is_a_404(logged_in):
    assert logged_in.get(f"/partners/{HUGE}").status_code == 404
    assert logged_in.get(f"/clients/{HUGE}").status_code == 404


def test_huge_numbers_in_page_query_strings_are_ignored(logged_in):
    make_partner(name="Pia Pages")

    listed = logged_in.get(f"/partners/?owner_id={HUGE}&client_id={HUGE}&page={HUGE}")
    outbox = logged_in.get(f"/outbox/?partner_id={HUGE}&page={HUGE}")

    assert listed.status_code == outbox.status_code == 200
    assert b"Pia Pages" in listed.data


def test_text_with_a_nul_character_in_a_form_or_query_is_refused_and_nothing_is_written(
        logged_in):
    from crm.extensions import db
    from crm.models import Client

    form = logged_in.post("/clients/new", data={"name": "Fork\x00ful"})
    search = logged_in.get("/partners/?q=a%00b")

    assert form.status_code == search.status_code == 422
    assert db.session.scalars(db.select(Client)).all() == []


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                  "3000-01-01T00:00:00Z"])
def test_a_time_past_the_calendar_is_a_422_naming_the_field(api, when):
    from tests.dashboard.helpers import flag

    partner = make_partner()
    followup = flag(partner)

    snooze = api.post(f"/api/v1/followups/{followup.id}/snooze", json={"until": when})
    logged = api.post(f"/api/v1/partners/{partner.id}/interactions",
                      json={"kind": "note", "summary": "Hi", "occurred_at": when})
    call = api.post(f"/api/v1/partners/{partner.id}/meetings", json={"starts_at": when})

    assert snooze.status_code == logged.status_code == call.status_code == 422
    assert set(snooze.get_json()["error"]["fields"]) == {"until"}
    assert set(logged.get_json()["error"]["fields"]) == {"occurred_at"}
    assert set(call.get_json()["error"]["fields"]) == {"starts_at"}


def test_a_day_past_the_calendar_is_a_422_naming_the_field(api):
    partner = make_partner()

    window = api.get(f"/api/v1/partners/{partner.id}/performance?from=0001-01-01&to=0001-01-05")

    assert window.status_code == 422
    assert set(window.get_json()["error"]["fields"]) == {"from", "to"}
