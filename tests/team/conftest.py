"""A small book for hand-over tests: a manager with partners, flags and calls, a colleague."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from crm import clock as app_clock
from crm.extensions import db
from crm.models import FollowUp, Meeting, Partner, User
from outreach import meetings
from tests.conftest import START
from tests.factories import make_partner, make_user
from tests.team.helpers import each_request_loads_its_user  # noqa: F401  (autouse)

NEXT_WEEK = START + timedelta(days=7)


@dataclass
class Book:
    mia: User
    tom: User
    jamie: Partner   # Mia's, with an open flag, a snoozed flag and a call next week
    lena: Partner    # Mia's, with a call that started an hour ago (outcome not logged)
    omar: Partner    # Tom's, but Mia runs his call next week
    calls: list[Meeting]


def flag(partner: Partner, status: str) -> FollowUp:
    row = FollowUp(partner_id=partner.id, rule=f"rule_{status}", reason="Gone quiet",
                   status=status, due_at=app_clock.now(), created_at=app_clock.now())
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def tom(app) -> User:
    return make_user(email="tom@agency.example.com", name="Tom Torres", timezone="America/Chicago")


@pytest.fixture
def book(app, manager, tom, clock) -> Book:
    jamie = make_partner(name="Jamie Rivera", email="jamie@trailnotes.com",
                         timezone="America/Los_Angeles", owner_id=manager.id)
    lena = make_partner(name="Lena Berg", email="lena@nordic.example", owner_id=manager.id)
    omar = make_partner(name="Omar Aziz", email="omar@dealden.example", owner_id=tom.id)
    flag(jamie, "open")
    flag(jamie, "snoozed")
    flag(lena, "resolved")
    soon = meetings.schedule(lena, manager=manager, starts_at=START + timedelta(hours=1),
                             duration_minutes=30)
    calls = [meetings.schedule(partner, manager=manager, starts_at=NEXT_WEEK,
                               duration_minutes=30) for partner in (jamie, omar)]
    clock.set(START + timedelta(hours=2))  # Lena's call has started; its outcome is owed
    return Book(manager, tom, jamie, lena, omar, [soon, *calls])
