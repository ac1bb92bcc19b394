"""The audit log: entries written with the change they record, shown to admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm import audit
from crm.app_settings import get_setting, set_setting
from crm.extensions import db
from crm.models import AuditEvent
from tests.conftest import AuthActions


def test_an_entry_rolls_back_with_its_change(app, admin):
    audit.record("user.invited", admin, "new@agency.example.com")
    db.session.rollback()

    assert db.session.scalars(select(AuditEvent)).all() == []


def test_a_setting_change_is_saved_and_audited_once(app, admin):
    set_setting("postal_address", "1 Main St", admin, "Postal address")
    db.session.commit()
    set_setting("postal_address", "1 Main St", admin, "Postal address")  # unchanged
    db.session.commit()

    assert get_setting("postal_address") == "1 Main St"
    assert get_setting("never_set", "fallback") == "fallback"
    events = db.session.scalars(select(AuditEvent)).all()
    assert [(e.action, e.target, e.actor_id) for e in events] == [
        ("setting.changed", "Postal address", admin.id)]


def test_admins_see_entries_newest_first_with_address(app, client, admin):
    first = audit.record("token.created", admin, "laptop")
    db.session.commit()
    second = audit.record("user.role_changed", admin, "mia@agency.example.com", "manager → admin")
    db.session.commit()
    AuthActions(client).login(admin.email)

    page = client.get("/admin/audit")

    assert page.status_code == 200
    rows = page.get_data(as_text=True).split("<tbody>", 1)[1]
    assert rows.index("user.role_changed") < rows.index("token.created")
    assert "manager → admin" in rows
    filtered = client.get("/admin/audit?action=token.created").get_data(as_text=True)
    assert "<code>token.created</code>" in filtered
    assert "<code>user.role_changed</code>" not in filtered
    assert first.id < second.id


@pytest.mark.parametrize("path", ["/admin/", "/admin/audit"])
def test_managers_are_refused_administration(logged_in, path):
    assert logged_in.get(path).status_code == 403
