"""Enrollments over the API: list a partner's, enroll, stop."""

from crm.sequences import service
from outreach.enrollments import enroll
from tests.factories import make_client, make_partner


def test_enroll_without_a_client_uses_the_default(api, manager):
    partner = make_partner(timezone="Europe/Berlin")

    response = api.post(f"/api/v1/partners/{partner.id}/enrollments", json={})

    assert response.status_code == 201
    body = response.get_json()
    assert (body["status"], body["client_id"], body["next_position"]) == ("active", None, 1)
    assert body["sequence_name"] == "Welcome to the program"
    assert body["started_by_id"] == manager.id
    assert body["next_due_at"] == "2026-03-10T14:00:00+00:00"  # 15:00 in Berlin, in hours
    assert response.headers["Location"] == body["url"]
    assert api.get(body["url"]).get_json() == body


def test_enroll_in_a_clients_program_uses_its_sequence(api):
    brand = make_client()
    own = service.create_client_sequence(brand)
    partner = make_partner()

    body = api.post(f"/api/v1/partners/{partner.id}/enrollments",
                    json={"client_id": brand.id}).get_json()

    assert (body["sequence_id"], body["client_id"]) == (own.id, brand.id)


def test_enrolling_twice_is_a_409(api):
    partner = make_partner()
    api.post(f"/api/v1/partners/{partner.id}/enrollments", json={"client_id": None})

    response = api.post(f"/api/v1/partners/{partner.id}/enrollments", json={})

    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {"sequence_id": "already enrolled"}


def test_enroll_errors(api):
    partner = make_partner()
    no_email = make_partner(email=None)

    unknown_client = api.post(f"/api/v1/partners/{partner.id}/enrollments",
                              json={"client_id": 999})
    wrong_type = api.post(f"/api/v1/partners/{partner.id}/enrollments",
                          json={"client_id": "1"})
    unknown_partner = api.post("/api/v1/partners/999/enrollments", json={})
    without_email = api.post(f"/api/v1/partners/{no_email.id}/enrollments", json={})

    assert unknown_client.status_code == 422
    assert unknown_client.get_json()["error"]["fields"] == {"client_id": "there is no client #999"}
    assert wrong_type.status_code == 422
    assert unknown_partner.status_code == 404
    assert without_email.status_code == 422
    assert without_email.get_json()["error"]["fields"] == {"email": "is required"}


def test_list_a_partners_enrollments_newest_first(api, manager, clock):
    from datetime import timedelta

    partner = make_partner()
    older = service.stop_enrollment(enroll(partner, None, manager), manager)
    clock.set(clock.now() + timedelta(days=1))
    newer = enroll(partner, None, manager)

    body = api.get(f"/api/v1/partners/{partner.id}/enrollments").get_json()

    assert [(e["id"], e["status"], e["stop_reason"]) for e in body["items"]] == [
        (newer.id, "active", ""), (older.id, "stopped", "manual")]
    assert api.get("/api/v1/partners/999/enrollments").status_code == 404


def test_stop_an_enrollment(api, manager):
    enrollment = enroll(make_partner(), None, manager)

    response = api.post(f"/api/v1/enrollments/{enrollment.id}/stop")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["stop_reason"], body["next_due_at"]) == (
        "stopped", "manual", None)
    assert body["stopped_at"] == "2026-03-10T14:00:00+00:00"
    again = api.post(f"/api/v1/enrollments/{enrollment.id}/stop")
    assert again.status_code == 200 and again.get_json() == body


def test_stopping_an_unknown_enrollment_is_a_404(api):
    response = api.post("/api/v1/enrollments/999/stop")

    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "There is no enrollment #999."
