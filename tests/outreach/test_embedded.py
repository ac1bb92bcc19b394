"""The embedded mode: worker threads and the scheduler run inside the web process."""

import time

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import OutboundEmail
from outreach import embedded
from outreach.enrollments import enroll
from tests.factories import make_partner


@pytest.fixture
def app_config(sink) -> dict:
    return {"SMTP_URL": sink.url, "TICK_SECONDS": 1, "WORKER_THREADS": 2}


def test_serve_mode_sends_the_first_welcome_email_by_itself(app, sink, manager):
    enroll(make_partner(name="Jamie", email="jamie@trailnotes.com", timezone="Europe/Berlin"),
           None, manager)
    engine = embedded.start(app)
    try:
        deadline = time.monotonic() + 30
        while not sink.received and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        engine.stop()
        app.extensions["rapport.mailer"].close_all()
    assert [m["To"] for m in sink.received] == ["Jamie <jamie@trailnotes.com>"]
    assert db.session.scalar(select(OutboundEmail.status)) == "sent"
