"""What lands in the audit log: rule thresholds and sequence changes, with who and from where;
the page filters by person."""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from crm.followups import settings
from crm.models import AuditEvent
from crm.sequences import service as sequences
from tests.conftest import AuthActions
from tests.factories import make_client


def entries() -> list[tuple[str, str, str]]:
    return [(e.action, e.target, e.detail)
            for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_threshold_change_is_one_entry_listing_what_moved(app, client, admin):
    AuthActions(client).login(admin.email)
    values = settings.form_values()
    values.update({"stale.days_by_stage.active": "10", "performance_drop.percent": "50"})
    del values["address_bounced.enabled"]

    client.post("/followups/rules", data=values)
    client.post("/followups/rules", data=values)  # the same again changes nothing

    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor_id, event.ip_address) == (
        "followup_rules.changed", admin.id, "127.0.0.1")
    assert event.detail.split("; ") == [
        "Relationship gone quiet: days, active 30 → 10", "Address bounced: off",
        "Performance dropping: percent 70 → 50"]


def test_sequence_hours_steps_and_a_clients_own_copy_are_audited(app, admin):
    client = make_client(name="Forkful")
    own = sequences.create_client_sequence(client, admin)
    sequences.update_hours(own, {"send_weekdays": [0, 1, 2, 3]}, admin)
    step = sequences.add_step(own, {"delay_days": 10, "subject": "Ideas for {{ partner.name }}",
                                    "html_body": "<p>Hi</p>"}, admin)
    sequences.update_step(step, {"delay_days": 12}, admin)
    sequences.move_step(step, "up", admin)
    sequences.delete_step(step, admin)
    sequences.update_hours(own, {"send_weekdays": [0, 1, 2, 3]}, admin)  # no change

    assert entries() == [
        ("sequence.created", "Forkful welcome", "Forkful's own copy of the default (3 steps)"),
        ("sequence.hours_changed", "Forkful welcome",
         "Mon–Fri 09:00–17:00 → Mon–Thu 09:00–17:00"),
        ("sequence.step_added", "Forkful welcome",
         "step 4 (day 10): Ideas for {{ partner.name }}"),
        ("sequence.step_changed", "Forkful welcome",
         "step 4 (day 12): Ideas for {{ partner.name }}; changed delay_days, day 10 → 12"),
        ("sequence.step_moved", "Forkful welcome", "Ideas for {{ partner.name }}: step 4 → 3"),
        ("sequence.step_removed", "Forkful welcome",
         "step 3 (day 12): Ideas for {{ partner.name }}"),
    ]


def test_the_api_audits_as_the_tokens_user(api, manager):
    sequence_id = api.get("/api/v1/sequences").get_json()["items"][0]["id"]

    api.patch(f"/api/v1/sequences/{sequence_id}", json={"send_from": "08:00"})

    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "sequence.hours_changed")).one()
    assert event.actor_id == manager.id and "08:00–17:00" in event.detail


def test_the_log_filters_by_person(app, client, admin, manager):
    sequences.create_client_sequence(make_client(name="Forkful"), manager)
    sequences.create_client_sequence(make_client(name="Summit"), admin)
    AuthActions(client).login(admin.email)

    page = client.get(f"/admin/audit?actor={manager.id}").get_data(as_text=True)

    assert "Forkful welcome" in page and "Summit welcome" not in page
    assert f'<option value="{manager.id}" selected>Mia Manager</option>' in page
