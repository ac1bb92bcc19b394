"""My settings › API tokens: made with a name and a scope, shown once, listed, revoked."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from crm.auth.service import create_token, token_for, user_for_token
from crm.extensions import db
from crm.models import ApiToken, AuditEvent
from tests.conftest import START
from tests.factories import ApiClient, make_user

TOKEN = re.compile(r'id="new-token" type="text" value="(rpt_[^"]+)"')


def test_a_new_token_is_shown_once_and_listed_with_its_scope(logged_in, manager):
    made = logged_in.post("/settings/tokens", data={"name": "Looker", "scope": "read"})
    listed = logged_in.get("/settings/tokens").get_data(as_text=True)

    token = TOKEN.search(made.get_data(as_text=True)).group(1)
    assert made.status_code == 200
    assert user_for_token(token).id == manager.id
    assert token_for(token).scope == "read"
    assert "Looker" in listed and ">Read<" in listed and token not in listed
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.target, event.detail) == (
        "token.created", f"{manager.email}: Looker", "scope read")


def test_a_token_needs_a_name_and_a_known_scope(logged_in):
    nameless = logged_in.post("/settings/tokens", data={"name": " ", "scope": "read"})
    unknown = logged_in.post("/settings/tokens", data={"name": "x", "scope": "admin"})

    assert (nameless.status_code, unknown.status_code) == (422, 422)
    assert db.session.scalars(select(ApiToken)).all() == []


def test_revoking_stops_the_token_at_once_and_only_your_own(app, logged_in, manager):
    token = create_token(manager, "cron")
    someone_elses = create_token(make_user(), "theirs")
    api = ApiClient(app.test_client(), token)
    assert api.get("/api/v1/partners").status_code == 200
    mine, theirs = (token_for(t) for t in (token, someone_elses))

    refused = logged_in.post(f"/settings/tokens/{theirs.id}/revoke")
    revoked = logged_in.post(f"/settings/tokens/{mine.id}/revoke")

    assert (refused.status_code, revoked.status_code) == (404, 302)
    assert api.get("/api/v1/partners").status_code == 401
    assert token_for(someone_elses) is not None
    assert "You have no API tokens" in logged_in.get("/settings/tokens").get_data(as_text=True)
    assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()[-1] \
        == "token.revoked"


def test_last_use_is_noted_at_most_once_a_minute(app, manager, clock):
    api = ApiClient(app.test_client(), create_token(manager, "poller"))

    api.get("/api/v1/partners")
    clock.set(START + timedelta(seconds=59))
    api.get("/api/v1/partners")
    after_a_second_call = db.session.scalar(select(ApiToken.last_used_at))
    clock.set(START + timedelta(seconds=61))
    api.get("/api/v1/partners")

    assert after_a_second_call == START
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) == START + timedelta(seconds=61)


def test_the_command_line_makes_read_write_tokens_unless_asked(runner, manager):
    default = runner.invoke(args=["token", "create", "--email", manager.email])
    read = runner.invoke(args=["token", "create", "--email", manager.email, "--name", "bi",
                               "--scope", "read"])
    wrong = runner.invoke(args=["token", "create", "--email", manager.email, "--scope", "all"])

    assert (default.exit_code, read.exit_code, wrong.exit_code) == (0, 0, 2)
    assert token_for(default.output.strip().splitlines()[-1]).scope == "read-write"
    assert token_for(read.output.strip().splitlines()[-1]).scope == "read"
