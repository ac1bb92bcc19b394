"""/api/v1/campaigns: create, steps, enrol (dry run and for real), stats, errors."""

from crm.campaigns import service
from tests.campaigns.helpers import STEP_ONE
from tests.factories import make_client, make_partner


def test_a_campaign_is_created_enrolled_and_measured_through_the_api(
    app, api, manager, postal_address
):
    client = make_client(name="Summit Outdoor")
    jamie = make_partner(name="Jamie Rivera", owner_id=manager.id, source="conference")
    active = make_partner(source="conference", stage="active")
    created = api.post("/api/v1/campaigns", json={"name": "TBEX follow-up",
                                                  "client_id": client.id})
    assert created.status_code == 201, created.json
    campaign = created.json
    assert (campaign["status"], campaign["owner_id"], campaign["step_count"]) == (
        "draft", manager.id, 0)
    step = api.post(f"/api/v1/campaigns/{campaign['id']}/steps", json=STEP_ONE)
    assert step.status_code == 201 and step.json["subject_b"] == STEP_ONE["subject_b"]
    url = f"/api/v1/campaigns/{campaign['id']}/enrollments"
    dry = api.post(url, json={"filters": {"source": "conference"}, "dry_run": True})
    assert dry.status_code == 200, dry.json
    assert (dry.json["enrolled"], dry.json["skipped"]) == (1, {})  # a filter: prospects only
    picked = api.post(url, json={"partner_ids": [jamie.id, active.id], "dry_run": True})
    assert (picked.json["enrolled"], picked.json["skipped"]) == (1, {"stage": 1})
    assert dry.json["first_email"]["partner_id"] == jamie.id
    assert dry.json["first_email"]["from_name"] == "Mia Manager"
    assert api.get(url).json["items"] == []
    done = api.post(url, json={"filters": {"source": "conference"}})
    assert (done.json["enrolled"], done.json["dry_run"]) == (1, False)
    listed = api.get(url).json["items"]
    assert [(e["partner_id"], e["status"]) for e in listed] == [(jamie.id, "active")]
    stats = api.get(f"/api/v1/campaigns/{campaign['id']}/stats").json
    assert stats["enrollments"] == {"active": 1}
    assert [(r["position"], r["variant"]) for r in stats["steps"]] == [(1, "A"), (1, "B")]
    paused = api.post(f"/api/v1/campaigns/{campaign['id']}/pause")
    assert paused.json["status"] == "paused"
    stopped = api.post(f"{url}/{listed[0]['id']}/stop")
    assert (stopped.json["status"], stopped.json["stop_reason"]) == ("stopped", "manual")


def test_bad_input_is_a_json_error_naming_the_field(app, api, manager):
    client = make_client()
    missing = api.post("/api/v1/campaigns", json={"name": "", "client_id": 2**31})
    assert missing.status_code == 422
    assert set(missing.json["error"]["fields"]) == {"name", "client_id"}
    campaign = service.create_campaign({"name": "C", "client_id": client.id}, manager)
    unknown = api.post(f"/api/v1/campaigns/{campaign.id}/steps", json={
        "subject": "Hi {{ partner.nickname }}", "html_body": "<p>x</p>"})
    assert unknown.status_code == 422
    assert "nickname" in unknown.json["error"]["fields"]["subject"]
    both = api.post(f"/api/v1/campaigns/{campaign.id}/enrollments",
                    json={"filters": {}, "partner_ids": [1]})
    assert both.status_code == 422 and "filters" in both.json["error"]["fields"]
    past = api.post(f"/api/v1/campaigns/{campaign.id}/enrollments",
                    json={"filters": {"stage": "active"}})
    assert past.json["error"]["fields"] == {"filters": "Must be one of: prospect, contacted."}
    assert api.get("/api/v1/campaigns/99").status_code == 404
    assert api.get(f"/api/v1/campaigns/{2**63}/stats").status_code == 404


def test_the_campaign_resources_are_in_the_openapi_document(app, api):
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/campaigns", "/api/v1/campaigns/{campaign_id}/steps",
            "/api/v1/campaigns/{campaign_id}/enrollments",
            "/api/v1/campaigns/{campaign_id}/stats"} <= set(paths)
