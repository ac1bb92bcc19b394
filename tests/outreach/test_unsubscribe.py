"""Unsubscribe links: signed, public, one-click (RFC 8058), idempotent."""

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Enrollment, Suppression
from outreach.enrollments import enroll
from outreach.unsubscribe import make_token
from tests.factories import make_partner


def test_one_click_post_suppresses_without_login_or_csrf(app, client, manager):
    partner = make_partner(email="jamie@trailnotes.com", timezone="Europe/Berlin")
    enroll(partner, None, manager)
    url = f"/unsubscribe/{make_token('Jamie@TrailNotes.com')}"
    response = client.post(url, data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert db.session.scalar(select(Suppression.email_key)) == "jamie@trailnotes.com"
    enrollment = db.session.scalar(select(Enrollment))
    assert (enrollment.status, enrollment.stop_reason) == ("stopped", "unsubscribe")
    # Idempotent: a second click changes nothing and still succeeds.
    assert client.post(url).status_code == 200
    assert db.session.scalar(select(func.count(Suppression.id))) == 1


def test_the_link_page_asks_before_unsubscribing(app, client):
    response = client.get(f"/unsubscribe/{make_token('jamie@trailnotes.com')}")
    assert response.status_code == 200
    assert b"jamie@trailnotes.com" in response.data
    assert db.session.scalar(select(func.count(Suppression.id))) == 0


def test_a_forged_or_damaged_token_is_refused(app, client):
    token = make_token("jamie@trailnotes.com")
    assert client.post(f"/unsubscribe/{token[:-2]}xx").status_code == 404
    assert db.session.scalar(select(func.count(Suppression.id))) == 0


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_one_click_works_with_csrf_protection_on(app, client, app_config):
    response = client.post(f"/unsubscribe/{make_token('jamie@trailnotes.com')}")
    assert response.status_code == 200
    assert db.session.scalar(select(Suppression.reason)) == "unsubscribed"
