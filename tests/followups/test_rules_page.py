"""The rules page: admins only; thresholds are checked, saved all or nothing, and used by the
next scan."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.followups import settings
from crm.models import FollowUp, FollowUpRule
from outreach import followups
from tests.factories import make_partner

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def as_admin(client, auth, admin):
    assert auth.login(admin.email).status_code == 302
    return client


def form(**changes):
    """The page's form as it comes from the saved settings, with some fields changed."""
    values = settings.form_values()
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def test_managers_get_403_and_no_rules_link(logged_in):
    assert logged_in.get("/followups/rules").status_code == 403
    assert logged_in.post("/followups/rules", data={}).status_code == 403
    assert "/followups/rules" not in logged_in.get("/followups/").get_data(as_text=True)


def test_admins_see_every_rule_with_its_thresholds(as_admin):
    page = as_admin.get("/followups/rules").get_data(as_text=True)

    for rule in followups.RULES.values():
        assert rule.title in page
    assert 'name="stale.days_by_stage.active" type="number"' in page
    assert 'value="70"' in page  # performance_drop.percent
    assert "/followups/rules" in as_admin.get("/followups/").get_data(as_text=True)


def test_a_saved_threshold_changes_the_next_scan(as_admin):
    partner = make_partner(stage="active", last_interaction_at=NOW - timedelta(days=12))
    followups.scan(NOW)
    assert db.session.scalar(select(FollowUp.id)) is None

    response = as_admin.post("/followups/rules", data=form(**{"stale.days_by_stage.active": "10"}))
    assert response.status_code == 302
    followups.scan(NOW + timedelta(minutes=1))

    assert db.session.scalar(select(FollowUp.partner_id)) == partner.id
    assert db.session.get(FollowUpRule, "stale").params == {
        "days_by_stage": {"contacted": 14, "onboarding": 7, "active": 10, "paused": 60}}


def test_switching_a_rule_off_resolves_its_flags_at_the_next_scan(as_admin):
    make_partner(stage="active", last_interaction_at=NOW - timedelta(days=40))
    followups.scan(NOW)

    as_admin.post("/followups/rules", data=form(**{"stale.enabled": None}))
    followups.scan(NOW + timedelta(minutes=1))

    assert db.session.get(FollowUpRule, "stale").enabled is False
    assert db.session.scalar(select(FollowUp.status)) == "resolved"


def test_untouched_rules_keep_following_the_defaults(as_admin):
    as_admin.post("/followups/rules", data=form())

    assert {row.name: row.params for row in db.session.scalars(select(FollowUpRule))} == {
        name: {} for name in followups.RULES}


@pytest.mark.parametrize(("field", "value", "reason"), [
    ("performance_drop.percent", "101", "must be from 1 to 100"),
    ("placement_ending_soon.days", "-1", "must be a whole number from 0 to 365"),
    ("commission_review_due.min_revenue", "5000.50", "must be a whole number"),
    ("stale.days_by_stage.paused", "soon", "must be a whole number"),
    ("welcome_unanswered.days", "", "must be a whole number"),
])
def test_bad_thresholds_are_form_errors_and_nothing_is_saved(as_admin, field, value, reason):
    response = as_admin.post("/followups/rules", data=form(**{
        "placement_ending_soon.days": "10", field: value}))

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nothing was saved" in page and reason in page
    assert f'value="{value}"' in page  # what was typed stays in the form
    assert db.session.scalars(select(FollowUpRule)).all() == []


def test_the_service_refuses_an_unknown_rule(app):
    from crm.errors import InvalidInput

    with pytest.raises(InvalidInput) as error:
        settings.save_settings({"nope": {"enabled": True, "params": {}}}, None)

    assert error.value.fields == {"nope": "is not a follow-up rule"}
