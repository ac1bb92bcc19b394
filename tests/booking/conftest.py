"""Booking fixtures: a Berlin manager who takes calls on weekdays, and a partner they own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crm import clock
from crm.booking import links, service
from crm.extensions import db
from crm.models import Availability
from tests.factories import make_partner, make_user

NINE_TO_FIVE = {str(day): [[540, 720], [780, 1020]] for day in range(5)}
# Wednesday 11 March 2026, 10:00 in Berlin: the first bookable morning (the clock is
# Tuesday 15:00 Berlin, and the notice 12 hours).
WEDNESDAY_TEN = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def set_availability(user, **changes) -> Availability:
    values = dict(weekly_hours=NINE_TO_FIVE, call_minutes=30, buffer_minutes=10,
                  notice_hours=12, horizon_days=14, max_per_day=0, dates_off=[],
                  video_url="https://meet.example.com/mia", link_version=1, lock_serial=0,
                  calendar_url="", calendar_username="", calendar_password="",
                  calendar_error="", updated_at=clock.now())
    values.update(changes)
    availability = Availability(user_id=user.id, **values)
    db.session.add(availability)
    db.session.commit()
    return availability


@pytest.fixture
def host_manager(app):
    manager = make_user(name="Mia Schneider", email="mia@agency.example.com",
                        timezone="Europe/Berlin")
    set_availability(manager)
    return manager


@pytest.fixture
def host(host_manager) -> service.Host:
    return service.host_for(host_manager)


@pytest.fixture
def partner(app, host_manager):
    return make_partner(name="Jamie Rivera", email="jamie@trailnotes.com",
                        timezone="America/New_York", owner_id=host_manager.id,
                        stage="onboarding")


def path_of(url: str) -> str:
    """The path of an absolute link (the test client talks to the app directly)."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def partner_path(partner) -> str:
    return path_of(links.partner_link(partner.id))
