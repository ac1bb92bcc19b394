"""The performance API: JSON rows, a raw CSV body, and reading the days back."""

from datetime import date, timedelta

import pytest

from crm.extensions import db
from crm.performance.service import upsert_days
from tests.conftest import START
from tests.performance.helpers import HEADER, day_count, forkful, stored_days

TODAY = START.date()


def rows(*items):
    """Alice's row for 2026-03-09, with each item's changes (None drops a key)."""
    base = {"date": "2026-03-09", "email": "alice@trailtested.com", "clicks": 10,
            "conversions": 1, "revenue": "12.50", "commission": 1.25}
    return [{k: v for k, v in {**base, **item}.items() if v is not None} for item in items]


def add_days(membership, *days, clicks=10):
    upsert_days([{"membership_id": membership.id, "day": day, "clicks": clicks,
                  "conversions": 1, "revenue_cents": 1000, "commission_cents": 100,
                  "imported_at": START} for day in days])
    db.session.commit()


def test_json_rows_are_imported_with_the_client_of_the_body(api):
    program = forkful()

    bob = {"date": "2026-03-08", "email": None, "partner": "Bob Byrne"}
    response = api.post("/api/v1/performance", json={"client": "Forkful", "rows": rows({}, bob)})

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["committed"], body["rows"], body["new_days"]) == (True, 2, 2)
    assert body["programs"][0]["revenue_cents"] == 2500
    assert {row[0] for row in stored_days()} == {program.alice_membership.id,
                                                 program.bob_membership.id}


def test_a_row_may_name_its_own_client_by_id(api):
    program = forkful()

    response = api.post("/api/v1/performance", json={
        "rows": rows({"client_id": program.client.id})})

    assert response.status_code == 201, response.get_json()
    assert day_count() == 1


def test_bad_json_rows_are_refused_by_index_and_nothing_is_written(api):
    forkful()

    response = api.post("/api/v1/performance", json={"client": "Forkful", "rows": rows(
        {}, {"clicks": -2}, {"date": "03/09/2026", "email": "carol@x.com"})})

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_rows"
    assert error["fields"]["rows[1].clicks"] == "-2 is negative; it must be 0 or more"
    assert error["fields"]["rows[2].day"].startswith("'03/09/2026' is not a date")
    assert error["fields"]["rows[2].partner"] == "no partner has the email 'carol@x.com'"
    assert day_count() == 0


def test_a_badly_shaped_body_gets_a_field_error(api):
    forkful()

    missing = api.post("/api/v1/performance", json={"client": "Forkful"})
    wrong = api.post("/api/v1/performance", json={"rows": rows({"revenue": True})})

    assert missing.status_code == 422 and "rows" in missing.get_json()["error"]["fields"]
    assert wrong.status_code == 422


def test_dry_run_counts_without_writing(api):
    forkful()

    response = api.post("/api/v1/performance",
                        json={"client": "Forkful", "dry_run": True, "rows": rows({})})

    assert response.status_code == 200
    assert response.get_json()["committed"] is False and response.get_json()["new_days"] == 1
    assert day_count() == 0


def test_a_raw_csv_body_imports_like_the_upload_page(api):
    program = forkful()
    body = HEADER + "2026-03-09,alice@trailtested.com,Forkful,3,0,1,0\n"

    first = api.post("/api/v1/performance", data=body, content_type="text/csv")
    again = api.post("/api/v1/performance", data=body.replace(",3,", ",4,"),
                     content_type="text/csv")

    assert first.status_code == 201, first.get_json()
    assert again.get_json()["replaced_days"] == 1
    assert stored_days() == [(program.alice_membership.id, date(2026, 3, 9), 4, 0, 100, 0)]


def test_a_raw_csv_body_with_bad_rows_names_their_row_numbers(api):
    forkful()
    body = "Date,Email,Clicks\n2026-03-09,alice@trailtested.com,-3\n"

    response = api.post("/api/v1/performance?client=Forkful&dry_run=1", data=body,
                        content_type="text/csv")

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "row 2.clicks": "-3 is negative; it must be 0 or more"}


def test_a_raw_csv_body_that_is_not_text_is_one_clear_error(api):
    response = api.post("/api/v1/performance", data=b"\x00\x01binary", content_type="text/csv")

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "bad_file"


def test_the_list_pages_through_days_by_day_then_id(api):
    program = forkful()
    add_days(program.alice_membership, TODAY - timedelta(days=2), TODAY - timedelta(days=1))
    add_days(program.bob_membership, TODAY - timedelta(days=1))

    first = api.get(f"/api/v1/performance?client_id={program.client.id}&limit=2").get_json()
    second = api.get(f"/api/v1/performance?limit=2&cursor={first['next_cursor']}").get_json()

    assert [(i["partner_id"], i["day"]) for i in first["items"]] == [
        (program.alice.id, "2026-03-08"), (program.alice.id, "2026-03-09")]
    assert [(i["partner_id"], i["day"]) for i in second["items"]] == [
        (program.bob.id, "2026-03-09")]
    assert second["next_cursor"] is None
    assert first["items"][0]["revenue_cents"] == 1000


def test_the_list_filters_by_window_and_refuses_a_backwards_one(api):
    program = forkful()
    add_days(program.alice_membership, date(2025, 11, 1), date(2026, 3, 1))

    window = api.get("/api/v1/performance?from=2026-02-01&to=2026-03-31").get_json()
    backwards = api.get("/api/v1/performance?from=2026-03-02&to=2026-03-01")
    default = api.get("/api/v1/performance").get_json()

    assert [i["day"] for i in window["items"]] == ["2026-03-01"]
    assert backwards.status_code == 422
    assert [i["day"] for i in default["items"]] == ["2026-03-01"]  # the last 90 days


def test_a_partners_performance_lists_daily_rows_per_membership(api):
    program = forkful(currency="EUR")
    add_days(program.alice_membership, date(2026, 3, 1), date(2026, 3, 2), clicks=7)

    response = api.get(f"/api/v1/partners/{program.alice.id}/performance?from=2026-03-02")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["partner_id"], body["from"], body["to"]) == (
        program.alice.id, "2026-03-02", "2026-03-10")
    (membership,) = body["memberships"]
    assert (membership["client"], membership["currency"]) == ("Forkful", "EUR")
    assert membership["days"] == [{"day": "2026-03-02", "clicks": 7, "conversions": 1,
                                   "revenue_cents": 1000, "commission_cents": 100,
                                   "imported_at": START.isoformat()}]


def test_a_partners_performance_is_a_404_for_an_unknown_partner(api):
    assert api.get("/api/v1/partners/999/performance").status_code == 404


def test_the_openapi_document_describes_the_performance_routes(api):
    spec = api.get("/api/v1/openapi.json").get_json()

    assert {"get", "post"} <= set(spec["paths"]["/api/v1/performance"])
    assert "get" in spec["paths"]["/api/v1/partners/{partner_id}/performance"]
    body = spec["paths"]["/api/v1/performance"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/csv"} <= set(body)
    assert "PerformanceImport" in spec["components"]["schemas"]


@pytest.mark.parametrize("app_config", [{"IMPORT_MAX_BYTES": 100}])
def test_a_raw_csv_body_over_the_limit_is_refused(api, app_config):
    forkful()

    response = api.post("/api/v1/performance", data=HEADER + "x" * 70_000,
                        content_type="text/csv")

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert day_count() == 0


def test_the_same_partner_and_day_twice_in_json_names_both_indexes(api):
    forkful()

    response = api.post("/api/v1/performance", json={"client": "Forkful", "rows": rows(
        {}, {"email": None, "website": "trailtested.com"})})

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "rows[1].day": "rows[0] already has Alice Ames on 2026-03-09; a day may appear once "
                       "per partner"}
    assert day_count() == 0
