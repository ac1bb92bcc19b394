"""/api/v1 meetings: schedule, read, move, cancel, outcome, .ics; errors name the field."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from tests.factories import make_partner


@pytest.fixture
def partner(app):
    return make_partner(name="Jamie Rivera", email="jamie@trailnotes.com",
                        timezone="America/Los_Angeles")


def schedule(api, partner, **changes):
    body = {"starts_at": "2026-03-17T16:00:00+01:00", "duration_minutes": 45,
            "location": "Zoom", "agenda": "Links"}
    body.update(changes)
    return api.post(f"/api/v1/partners/{partner.id}/meetings", json=body)


def test_schedule_list_and_read(api, partner, manager):
    response = schedule(api, partner)

    assert response.status_code == 201
    body = response.get_json()
    assert body["starts_at"] == "2026-03-17T15:00:00+00:00"
    assert body["ends_at"] == "2026-03-17T15:45:00+00:00"
    assert (body["sequence"], body["status"], body["partstat"], body["manager_id"]) == (
        0, "scheduled", "NEEDS-ACTION", manager.id)
    assert response.headers["Location"] == body["url"]
    listed = api.get(f"/api/v1/partners/{partner.id}/meetings").get_json()["items"]
    assert [m["id"] for m in listed] == [body["id"]]
    assert api.get(f"/api/v1/meetings/{body['id']}").get_json()["uid"] == body["uid"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"starts_at": "2026-03-17T16:00:00"}, "starts_at"),     # no offset
    ({"starts_at": "tomorrow"}, "starts_at"),
    ({"starts_at": "2026-03-01T10:00:00+00:00"}, "starts_at"),  # past
    ({"duration_minutes": 1000}, "duration_minutes"),
    ({"video_url": "javascript:alert(1)"}, "video_url"),
    ({"manager_id": 99999}, "manager_id"),
])
def test_bad_input_is_a_json_error_naming_the_field(api, partner, changes, field):
    response = schedule(api, partner, **changes)

    assert response.status_code in (404, 422)
    assert field in response.get_json()["error"]["fields"]
    assert api.get(f"/api/v1/partners/{partner.id}/meetings").get_json()["items"] == []


def test_unknown_partner_and_meeting_are_404(api):
    assert api.post("/api/v1/partners/999/meetings",
                    json={"starts_at": "2026-03-17T16:00:00+01:00"}).status_code == 404
    assert api.get("/api/v1/meetings/999").status_code == 404
    assert api.post("/api/v1/meetings/999/cancel", json={}).status_code == 404


def test_reschedule_cancel_and_ics(api, partner):
    meeting = schedule(api, partner).get_json()

    moved = api.post(f"/api/v1/meetings/{meeting['id']}/reschedule",
                     json={"starts_at": "2026-03-18T09:00:00-07:00"})
    assert moved.status_code == 200
    assert (moved.get_json()["starts_at"], moved.get_json()["sequence"]) == (
        "2026-03-18T16:00:00+00:00", 1)

    cancelled = api.post(f"/api/v1/meetings/{meeting['id']}/cancel", json={"reason": "Ill"})
    assert (cancelled.get_json()["status"], cancelled.get_json()["sequence"]) == ("cancelled", 2)
    again = api.post(f"/api/v1/meetings/{meeting['id']}/cancel", json={})
    assert again.status_code == 422 and "status" in again.get_json()["error"]["fields"]

    ics = api.get(f"/api/v1/meetings/{meeting['id']}.ics")
    assert ics.mimetype == "text/calendar"
    [event] = Calendar.from_ical(ics.data).walk("VEVENT")
    assert (str(event["status"]), event["dtstart"].dt) == (
        "CANCELLED", datetime(2026, 3, 18, 16, 0, tzinfo=UTC))


def test_outcome(api, clock, partner):
    meeting = schedule(api, partner).get_json()
    early = api.post(f"/api/v1/meetings/{meeting['id']}/outcome", json={"outcome": "held"})
    assert early.status_code == 422 and "outcome" in early.get_json()["error"]["fields"]

    clock.set(datetime(2026, 3, 17, 16, 0, tzinfo=UTC))
    held = api.post(f"/api/v1/meetings/{meeting['id']}/outcome",
                    json={"outcome": "held", "notes": "Keen", "activate": True})

    assert held.status_code == 200 and held.get_json()["status"] == "held"
    assert api.get(f"/api/v1/partners/{partner.id}").get_json()["stage"] == "active"


def test_the_openapi_document_describes_meetings(api):
    spec = api.get("/api/v1/openapi.json").get_json()

    assert "/api/v1/partners/{partner_id}/meetings" in spec["paths"]
    assert "Meeting" in spec["components"]["schemas"]
