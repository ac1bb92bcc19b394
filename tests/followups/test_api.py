"""/api/v1/followups: list, snooze, resolve; errors name the field."""

from datetime import UTC, datetime, timedelta

from outreach import followups
from tests.factories import make_partner

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_list_snooze_resolve(api, manager):
    partner = make_partner(name="Nina Novak", stage="active", owner_id=manager.id,
                           last_interaction_at=NOW - timedelta(days=45))
    followups.scan(NOW)

    [flag] = api.get("/api/v1/followups").get_json()["items"]
    assert (flag["partner_id"], flag["rule"], flag["status"]) == (partner.id, "stale", "open")

    bad = api.post(f"/api/v1/followups/{flag['id']}/snooze", json={"until": "2026-03-20"})
    assert bad.status_code == 422 and "until" in bad.get_json()["error"]["fields"]
    past = api.post(f"/api/v1/followups/{flag['id']}/snooze",
                    json={"until": "2026-03-01T09:00:00+00:00"})
    assert past.status_code == 422 and "until" in past.get_json()["error"]["fields"]
    snoozed = api.post(f"/api/v1/followups/{flag['id']}/snooze",
                       json={"until": "2026-03-20T09:00:00+01:00"}).get_json()
    assert (snoozed["status"], snoozed["snoozed_until"]) == ("snoozed", "2026-03-20T08:00:00+00:00")

    done = api.post(f"/api/v1/followups/{flag['id']}/resolve", json={"note": "Called"})
    assert done.get_json()["status"] == "resolved"
    assert api.get("/api/v1/followups?status=resolved").get_json()["items"][0]["resolution"] == (
        "Called")
    assert api.post("/api/v1/followups/999/resolve", json={}).status_code == 404
