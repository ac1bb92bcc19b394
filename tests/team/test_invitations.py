"""Inviting a colleague: one emailed link, valid for 7 days, good for one account."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crm.errors import InvalidInput, NotFound
from crm.extensions import db
from crm.models import AuditEvent, Invitation, User
from crm.team import service
from tests.conftest import START, AuthActions
from tests.factories import make_user
from tests.team.helpers import emailed_path, emails_to, tampered, token_of

NEWCOMER = "noor@agency.example.com"


def invite(admin, email: str = NEWCOMER, role: str = "manager") -> str:
    """Invite and return the secret from the emailed link."""
    service.invite(email, role, admin)
    return token_of(emailed_path(email, "/join/"))


def test_an_invitation_is_one_email_from_the_system_sender_with_a_join_link(app, admin):
    service.invite(" Noor@Agency.example.com ", "admin", admin)

    [email] = emails_to(NEWCOMER)
    assert (email.from_address, email.sender_id, email.status) == (
        "rapport@localhost", None, "queued")
    assert email.subject == "Ada Admin invited you to Rapport"
    assert "as an admin" in email.text_body
    assert "until Tue 17 Mar 2026, 14:00 (UTC)" in email.text_body
    path = emailed_path(NEWCOMER, "/join/")
    assert path.startswith("/join/") and "http://127.0.0.1:5000/join/" in email.text_body
    invitation = db.session.scalar(select(Invitation))
    assert invitation.token_hash != token_of(path)  # only a keyed digest is stored
    assert token_of(path) not in invitation.token_hash


def test_accepting_makes_the_account_with_the_invited_role_and_the_link_works_once(app, admin):
    token = invite(admin, role="admin")
    invitation = service.invitation_for_token(token)

    user = service.accept(invitation, "Noor Haddad", "long enough pw", "Asia/Dubai")

    assert (user.email, user.name, user.role, user.timezone) == (
        NEWCOMER, "Noor Haddad", "admin", "Asia/Dubai")
    assert user.check_password("long enough pw")
    assert invitation.accepted_user_id == user.id
    assert service.invitation_for_token(token) is None
    with pytest.raises(NotFound, match="no longer valid"):
        service.accept(invitation, "Twin", "long enough pw", "UTC")
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    actions = db.session.execute(select(AuditEvent.action, AuditEvent.actor_id)
                                 .order_by(AuditEvent.id)).all()
    assert actions == [("user.invited", admin.id), ("invitation.accepted", user.id)]


def test_the_link_expires_after_seven_days(app, admin, clock):
    token = invite(admin)

    clock.set(START + timedelta(days=7, minutes=-1))
    assert service.invitation_for_token(token) is not None
    clock.set(START + timedelta(days=7))
    assert service.invitation_for_token(token) is None


def test_a_tampered_unknown_or_cancelled_link_is_a_404(app, client, admin):
    token = invite(admin)
    assert client.get(f"/join/{token}").status_code == 200

    assert client.get(f"/join/{tampered(token)}").status_code == 404
    assert client.get("/join/" + "x" * 43).status_code == 404
    service.cancel_invitation(service.invitation_for_token(token), admin)
    assert client.get(f"/join/{token}").status_code == 404


def test_inviting_a_pending_address_again_renews_the_one_invitation(app, admin, clock):
    first = invite(admin, role="manager")
    clock.set(START + timedelta(days=6))

    second = invite(admin, role="admin")

    invitation = db.session.scalar(select(Invitation))
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1
    assert (invitation.role, invitation.expires_at) == ("admin", START + timedelta(days=13))
    assert service.invitation_for_token(first) is None
    assert service.invitation_for_token(second) is invitation
    assert len(emails_to(NEWCOMER)) == 2


def test_an_existing_users_address_or_a_bad_one_is_refused_and_nothing_is_sent(app, admin):
    make_user(email=NEWCOMER)

    with pytest.raises(InvalidInput) as taken:
        service.invite(NEWCOMER.upper(), "manager", admin)
    with pytest.raises(InvalidInput) as bad:
        service.invite("noor at agency", "owner", admin)

    assert taken.value.fields == {"email": f"{NEWCOMER} already has an account"}
    assert set(bad.value.fields) == {"email", "role"}
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
    assert emails_to(NEWCOMER) == []


def test_the_team_page_shows_a_taken_address_next_to_the_field(app, client, admin, manager):
    AuthActions(client).login(admin.email)

    page = client.post("/admin/team/invitations", data={"email": manager.email,
                                                         "role": "manager"})

    assert page.status_code == 422
    assert f"{manager.email} already has an account" in page.get_data(as_text=True)


def test_the_accept_page_checks_the_password_then_signs_the_newcomer_in(app, client, admin):
    token = invite(admin)
    form = {"name": "Noor Haddad", "password": "short", "confirm": "short",
            "timezone": "Europe/Paris"}

    refused = client.post(f"/join/{token}", data=form)
    accepted = client.post(f"/join/{token}", data={**form, "password": "long enough pw",
                                                   "confirm": "long enough pw"})

    assert refused.status_code == 422
    assert "at least 10 characters" in refused.get_data(as_text=True)
    assert refused.headers["Referrer-Policy"] == "no-referrer"
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/dashboard/"
    assert "Noor Haddad" in client.get("/dashboard/").get_data(as_text=True)
    assert client.get(f"/join/{token}").status_code == 404
