"""Deactivating a colleague: everything they own changes hands in one step, then they are
locked out at once (sessions, remember-me cookies, tokens); the team always keeps an admin."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.auth.service import authenticate, create_token
from crm.errors import InvalidInput
from crm.extensions import db
from crm.models import ApiToken, AuditEvent, Interaction, Partner
from crm.team import handover, service
from tests.campaigns.helpers import make_campaign
from tests.conftest import PASSWORD, AuthActions
from tests.factories import ApiClient, make_client
from tests.team.helpers import emails_to


def handed_over(partner: Partner) -> list[Interaction]:
    return list(db.session.scalars(select(Interaction).where(
        Interaction.partner_id == partner.id, Interaction.summary.like("Handed over%"))))


def test_what_a_user_owns_is_counted_per_kind(book):
    assert handover.owned_by(book.mia) == {"partners": 2, "followups": 2, "meetings": 3,
                                           "campaigns": 0}
    assert handover.owned_by(book.tom) == {"partners": 1, "followups": 0, "meetings": 0,
                                           "campaigns": 0}


def test_one_step_hands_partners_flags_and_calls_to_the_successor(book, admin):
    summary = service.deactivate(book.mia, book.tom, admin)

    assert summary.describe() == "2 partners, 2 open follow-ups, 3 scheduled calls"
    owners = db.session.scalars(select(Partner.owner_id).distinct()).all()
    assert owners == [book.tom.id]
    soon, jamies, omars = book.calls
    assert {call.manager_id for call in book.calls} == {book.tom.id}
    # Calls ahead get an updated invitation naming Tom; the one already started does not.
    assert (soon.sequence, jamies.sequence, omars.sequence) == (0, 1, 1)
    assert jamies.timezone == "America/Chicago"
    [to_jamie] = [e for e in emails_to("jamie@trailnotes.com") if e.subject.startswith("Upd")]
    assert to_jamie.calendar_method == "REQUEST" and "With: Tom Torres" in to_jamie.text_body
    assert len([e for e in emails_to(book.tom.email) if e.subject.startswith("Upd")]) == 2


def test_their_running_campaigns_change_hands_and_archived_ones_stay(book, admin):
    client = make_client(name="Summit Outdoor")
    running = make_campaign(client, book.mia)
    archived = make_campaign(client, book.mia)
    archived.status = "archived"
    db.session.commit()
    assert handover.owned_by(book.mia)["campaigns"] == 1

    summary = service.deactivate(book.mia, book.tom, admin)

    assert "1 running campaign" in summary.describe()
    db.session.refresh(running)
    db.session.refresh(archived)
    assert (running.owner_id, archived.owner_id) == (book.tom.id, book.mia.id)


def test_each_partner_gets_one_timeline_entry_saying_what_moved(book, admin):
    service.deactivate(book.mia, book.tom, admin)

    [jamie] = handed_over(book.jamie)
    assert jamie.summary == "Handed over: Mia Manager → Tom Torres"
    assert jamie.body.splitlines() == [
        "Owner: Mia Manager → Tom Torres",
        "Onboarding call Tue 17 Mar 2026, 07:00 (America/Los_Angeles): Mia Manager → "
        "Tom Torres; updated invitation sent"]
    assert (jamie.kind, jamie.author_id) == ("system", admin.id)
    [lena] = handed_over(book.lena)
    assert lena.body.splitlines()[1].endswith("Mia Manager → Tom Torres")
    [omar] = handed_over(book.omar)
    assert omar.body.startswith("Onboarding call")


def test_the_deactivation_is_audited_with_what_was_handed_over(book, admin):
    create_token(book.mia, "laptop")

    service.deactivate(book.mia, book.tom, admin)

    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.deactivated")).one()
    assert (event.actor_id, event.target) == (admin.id, book.mia.email)
    assert event.detail == ("handed 2 partners, 2 open follow-ups, 3 scheduled calls to "
                            "tom@agency.example.com; 1 API token revoked")


def test_their_session_token_and_password_stop_working_at_once(app, client, manager, admin):
    AuthActions(client).login(manager.email)
    api = ApiClient(app.test_client(), create_token(manager, "script"))
    assert client.get("/dashboard/").status_code == 200
    assert api.get("/api/v1/partners").status_code == 200

    service.deactivate(manager, None, admin)

    refused = client.get("/dashboard/")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert api.get("/api/v1/partners").status_code == 401
    assert authenticate(manager.email, PASSWORD) is None
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None


def test_someone_who_owns_things_cannot_be_deactivated_without_a_successor(book, admin):
    with pytest.raises(InvalidInput) as refused:
        service.deactivate(book.mia, None, admin)
    with pytest.raises(InvalidInput) as themselves:
        service.deactivate(book.mia, book.mia, admin)

    assert "2 partners" in refused.value.fields["successor_id"]
    assert themselves.value.fields == {"successor_id": "must be another active user"}
    assert book.mia.is_active_user and book.jamie.owner_id == book.mia.id


def test_nobody_deactivates_themselves_and_the_last_active_admin_stays(app, admin, manager):
    with pytest.raises(InvalidInput, match="cannot deactivate yourself"):
        service.deactivate(admin, None, admin)
    with pytest.raises(InvalidInput, match="last active admin"):
        service.change_role(admin, "manager", admin)

    service.change_role(manager, "admin", admin)
    service.change_role(admin, "manager", admin)
    assert (admin.role, manager.role) == ("manager", "admin")
    with pytest.raises(InvalidInput, match="last active admin"):
        service.deactivate(manager, None, admin)


def test_a_reactivated_user_signs_in_afresh_and_old_sessions_stay_dead(app, client, manager,
                                                                         admin):
    AuthActions(client).login(manager.email)
    service.deactivate(manager, None, admin)

    service.reactivate(manager, admin)

    assert client.get("/dashboard/").status_code == 302
    assert AuthActions(client).login(manager.email).status_code == 302
    assert client.get("/dashboard/").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["user.deactivated", "user.reactivated"]


def test_the_deactivate_page_lists_what_they_own_and_needs_a_successor(book, client, admin):
    AuthActions(client).login(admin.email)
    url = f"/admin/team/{book.mia.id}/deactivate"

    page = client.get(url).get_data(as_text=True)
    missing = client.post(url, data={"successor_id": ""})
    done = client.post(url, data={"successor_id": str(book.tom.id)})

    assert "2 partners" in page and "2 open follow-ups" in page and "3 scheduled calls" in page
    assert missing.status_code == 422 and "is required" in missing.get_data(as_text=True)
    assert done.status_code == 302
    assert "Tom Torres now has 2 partners" in client.get("/admin/team/").get_data(as_text=True)
    assert not book.mia.is_active_user


def test_the_team_page_changes_roles_and_refuses_the_last_admins_demotion(app, client, admin,
                                                                          manager):
    AuthActions(client).login(admin.email)

    client.post(f"/admin/team/{admin.id}/role", data={"role": "manager"})
    page = client.get("/admin/team/").get_data(as_text=True)
    client.post(f"/admin/team/{manager.id}/role", data={"role": "admin"})

    assert "Ada Admin is the last active admin" in page
    assert (admin.role, manager.role) == ("admin", "admin")
    assert "Mia Manager" in page and "never" not in page.split("Mia Manager", 1)[0][-50:]


def test_managers_cannot_reach_the_team_page(logged_in, admin):
    assert logged_in.get("/admin/team/").status_code == 403
    assert logged_in.post(f"/admin/team/{admin.id}/role", data={"role": "manager"}).status_code \
        == 403
