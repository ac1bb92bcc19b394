"""Interactions and the timeline of one partner."""

from datetime import UTC, datetime, timedelta

from crm.extensions import db
from crm.models import Partner
from crm.partners.service import record_event
from tests.factories import make_interaction, make_partner

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_log_interaction_stores_it_in_utc_and_moves_last_interaction(api, manager):
    partner = make_partner()

    response = api.post(f"/api/v1/partners/{partner.id}/interactions", json={
        "kind": "call", "summary": "Intro call", "body": "Talked about the spring promo.",
        "direction": "outbound", "occurred_at": "2026-03-09T10:30:00+01:00",
    })

    assert response.status_code == 201
    body = response.get_json()
    assert body["occurred_at"] == "2026-03-09T09:30:00+00:00"
    assert body["kind"] == "call"
    assert body["author"] == {"id": manager.id, "name": manager.name, "email": manager.email}
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).last_interaction_at == datetime(
        2026, 3, 9, 9, 30, tzinfo=UTC
    )


def test_logged_interaction_defaults_to_now(api):
    partner = make_partner()

    body = api.post(
        f"/api/v1/partners/{partner.id}/interactions", json={"kind": "note", "summary": "Hi"}
    ).get_json()

    assert body["occurred_at"] == "2026-03-10T14:00:00+00:00"
    assert body["direction"] == "internal"


def test_interactions_list_leaves_out_system_events_newest_first(api):
    partner = make_partner()
    older = make_interaction(partner, T0, kind="email", summary="Welcome")
    newer = make_interaction(partner, T0 + timedelta(days=1), kind="call", summary="Call")
    record_event(partner, "Stage changed: prospect → contacted")
    db.session.commit()

    body = api.get(f"/api/v1/partners/{partner.id}/interactions").get_json()

    assert [item["id"] for item in body["items"]] == [newer.id, older.id]
    assert body["next_cursor"] is None


def test_timeline_includes_system_events(api):
    partner = make_partner()
    note = make_interaction(partner, T0, summary="A note")
    event = record_event(partner, "Partner added", occurred_at=T0 + timedelta(hours=1))
    db.session.commit()

    body = api.get(f"/api/v1/partners/{partner.id}/timeline").get_json()

    assert [(item["id"], item["kind"]) for item in body["items"]] == [
        (event.id, "system"), (note.id, "note")
    ]


def test_timeline_pages_through_equal_times_without_losing_any(api):
    partner = make_partner()
    same_time = [make_interaction(partner, T0) for _ in range(3)]
    latest = make_interaction(partner, T0 + timedelta(minutes=5))

    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = api.get(f"/api/v1/partners/{partner.id}/timeline", query_string=query).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert seen == [latest.id] + [entry.id for entry in reversed(same_time)]
