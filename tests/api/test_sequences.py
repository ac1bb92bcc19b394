"""The sequence resource: list, read with steps, hours, and steps whose templates are checked."""

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import SequenceStep
from crm.sequences import service
from tests.factories import make_client

STEP = {"delay_days": 10, "subject": "Still there, {{ partner.first_name }}?",
        "html_body": "<p>Hi {{ partner.first_name }}</p>"}


def test_the_list_starts_with_the_default_sequence(api):
    body = api.get("/api/v1/sequences").get_json()

    (default,) = body["items"]
    assert default["client_id"] is None
    assert default["name"] == "Welcome to the program"
    assert (default["send_weekdays"], default["send_from"], default["send_until"]) == (
        [0, 1, 2, 3, 4], "09:00", "17:00")
    assert default["step_count"] == 3
    assert default["url"] == f"http://localhost/api/v1/sequences/{default['id']}"
    assert body["next_cursor"] is None


def test_the_list_is_paged_by_id(api):
    for _ in range(3):
        service.create_client_sequence(make_client())

    first = api.get("/api/v1/sequences", query_string={"limit": 3}).get_json()
    rest = api.get("/api/v1/sequences",
                   query_string={"limit": 3, "cursor": first["next_cursor"]}).get_json()

    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert len(ids) == 4 and ids == sorted(ids)
    assert rest["next_cursor"] is None


def test_one_sequence_has_its_steps_in_order(api):
    sequence = service.create_client_sequence(make_client(name="Summit Outdoor"))
    service.move_step(sequence.steps[2], "up")

    body = api.get(f"/api/v1/sequences/{sequence.id}").get_json()

    assert body["name"] == "Summit Outdoor welcome"
    assert [(s["position"], s["delay_days"]) for s in body["steps"]] == [(1, 0), (2, 7), (3, 3)]
    assert set(body["steps"][0]) == {"id", "sequence_id", "position", "delay_days", "subject",
                                     "html_body", "text_body"}


def test_an_unknown_sequence_is_a_404_in_the_error_shape(api):
    response = api.get("/api/v1/sequences/999")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_a_client_gets_its_own_copy(api):
    brand = make_client()

    response = api.post("/api/v1/sequences", json={"client_id": brand.id})

    assert response.status_code == 201
    body = response.get_json()
    assert body["client_id"] == brand.id and len(body["steps"]) == 3
    assert response.headers["Location"] == body["url"]
    again = api.post("/api/v1/sequences", json={"client_id": brand.id})
    assert again.status_code == 409
    unknown = api.post("/api/v1/sequences", json={"client_id": 999})
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"] == {"client_id": "there is no client #999"}


def test_patch_changes_the_business_hours(api):
    sequence = service.default_sequence()

    response = api.patch(f"/api/v1/sequences/{sequence.id}",
                         json={"send_weekdays": [0, 2], "send_until": "12:30"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["send_weekdays"], body["send_from"], body["send_until"]) == (
        [0, 2], "09:00", "12:30")


@pytest.mark.parametrize(("data", "field"), [
    ({"send_weekdays": []}, "send_weekdays"),
    ({"send_weekdays": [7]}, "send_weekdays"),
    ({"send_from": "9am"}, "send_from"),
    ({"send_from": "18:00"}, "send_until"),
    ({"timezone": "UTC"}, "timezone"),
])
def test_bad_business_hours_are_a_422_on_the_field(api, data, field):
    sequence = service.default_sequence()

    response = api.patch(f"/api/v1/sequences/{sequence.id}", json=data)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_a_step_is_added_at_the_end(api):
    sequence = service.default_sequence()

    response = api.post(f"/api/v1/sequences/{sequence.id}/steps", json=STEP)

    assert response.status_code == 201
    body = response.get_json()
    assert (body["position"], body["delay_days"], body["text_body"]) == (4, 10, "")
    assert response.headers["Location"].endswith(
        f"/api/v1/sequences/{sequence.id}/steps/{body['id']}")
    assert api.get(response.headers["Location"]).get_json() == body


def test_a_template_error_is_a_422_naming_the_field_and_the_line(api):
    sequence = service.default_sequence()
    body = "<p>Hi {{ partner.first_name }}</p>\n<p>{{ coupon }}</p>"

    response = api.post(f"/api/v1/sequences/{sequence.id}/steps",
                        json={**STEP, "html_body": body})

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert error["fields"] == {"html_body": (
        "line 2: unknown variable 'coupon' "
        "(use booking_link, client, manager, partner, unsubscribe_url)")}
    assert "html_body: line 2: unknown variable 'coupon'" in error["message"]
    assert db.session.scalar(select(func.count()).select_from(SequenceStep)) == 3


@pytest.mark.parametrize(("data", "field"), [
    ({"subject": None}, "subject"),
    ({"html_body": ""}, "html_body"),
    ({"delay_days": 366}, "delay_days"),
    ({"delay_days": "3"}, "delay_days"),
    ({"coupon": "x"}, "coupon"),
])
def test_step_shape_errors_are_422s_on_the_field(api, data, field):
    sequence = service.default_sequence()

    response = api.post(f"/api/v1/sequences/{sequence.id}/steps", json={**STEP, **data})

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_patch_changes_only_the_given_step_fields(api):
    sequence = service.default_sequence()
    step = sequence.steps[1]
    html_before = step.html_body

    response = api.patch(f"/api/v1/sequences/{sequence.id}/steps/{step.id}",
                         json={"subject": "Links for {{ partner.first_name }}", "delay_days": 2})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["subject"], body["delay_days"], body["html_body"]) == (
        "Links for {{ partner.first_name }}", 2, html_before)


def test_patch_with_a_broken_text_body_is_a_422_and_changes_nothing(api):
    sequence = service.default_sequence()
    step = sequence.steps[0]

    response = api.patch(f"/api/v1/sequences/{sequence.id}/steps/{step.id}",
                         json={"subject": "New", "text_body": "Hi\n\n{{ partner.name | nope }}"})

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {
        "text_body": "line 3: No filter named 'nope'."}
    db.session.expire_all()
    assert db.session.get(SequenceStep, step.id).subject != "New"


def test_a_step_of_another_sequence_is_a_404(api):
    default = service.default_sequence()
    other = service.create_client_sequence(make_client())

    response = api.patch(f"/api/v1/sequences/{default.id}/steps/{other.steps[0].id}",
                         json={"subject": "x"})

    assert response.status_code == 404


def test_delete_a_step(api):
    sequence = service.default_sequence()
    first = sequence.steps[0].id

    response = api.delete(f"/api/v1/sequences/{sequence.id}/steps/{first}")

    assert response.status_code == 204
    positions = [s["position"] for s in api.get(f"/api/v1/sequences/{sequence.id}")
                 .get_json()["steps"]]
    assert positions == [1, 2]


def test_the_spec_documents_the_sequence_paths(api):
    spec = api.get("/api/v1/openapi.json").get_json()

    assert {"get", "post"} <= set(spec["paths"]["/api/v1/sequences"])
    assert {"get", "patch"} <= set(spec["paths"]["/api/v1/sequences/{sequence_id}"])
    assert "post" in spec["paths"]["/api/v1/sequences/{sequence_id}/steps"]
    assert "patch" in spec["paths"]["/api/v1/sequences/{sequence_id}/steps/{step_id}"]
    assert spec["components"]["schemas"]["StepCreate"]["required"] == ["html_body", "subject"]
