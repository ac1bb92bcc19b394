"""Meetings go out through the same outbox, workers and SMTP sink as the welcome emails."""

from datetime import datetime

import pytest

from tests.factories import make_partner, make_user
from tests.outreach.conftest import Workers, sink  # noqa: F401  (fixtures reused here)

FROM = "Summit Partnerships <partners@rapport.example.com>"


@pytest.fixture
def app_config(sink) -> dict:  # noqa: F811
    return {"SMTP_URL": sink.url, "SEND_RETRY_BASE_SECONDS": 1, "MAIL_FROM": FROM,
            "INBOUND_ADDRESS": "calls@rapport.example.com"}


@pytest.fixture
def workers(app):
    workers = Workers(app)
    yield workers
    workers.stop()


@pytest.fixture
def berlin_manager(app):
    return make_user(name="Mia Schneider", email="mia@agency.example.com",
                     timezone="Europe/Berlin")


@pytest.fixture
def la_partner(app, berlin_manager):
    return make_partner(name="Jamie Rivera", email="Jamie@TrailNotes.com",
                        timezone="America/Los_Angeles", owner_id=berlin_manager.id,
                        company="Trail Notes")


def at(*parts) -> datetime:
    from datetime import UTC

    return datetime(*parts, tzinfo=UTC)
