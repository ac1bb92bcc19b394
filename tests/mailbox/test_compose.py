"""Writing to a partner from their page: through the outbox, threaded, on the timeline at once."""

from __future__ import annotations

import email
import email.policy

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.mailbox.snippets import save_snippet
from crm.models import Interaction, OutboundEmail
from outreach.inbound_apply import receive
from outreach.suppressions import suppress
from tests.factories import make_partner
from tests.mailbox.helpers import SMTP_PASSWORD, connect, login_sink, message
from tests.outreach.conftest import Workers
from tests.outreach.smtp_sink import SmtpSink

JAMIE = "jamie@trailnotes.com"


@pytest.fixture
def sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def app_config(sink) -> dict:
    return {"SMTP_URL": sink.url, "MAIL_FROM": "Partnerships <partners@rapport.example.com>"}


@pytest.fixture
def workers(app):
    workers = Workers(app)
    yield workers
    workers.stop()


@pytest.fixture
def jamie(app, manager):
    manager.signature = "Mia Manager\nSummit Partnerships"
    db.session.commit()
    return make_partner(name="Jamie Rivera", email=JAMIE, owner_id=manager.id)


@pytest.fixture
def their_email(jamie) -> Interaction:
    """Jamie's email on the timeline, answering one of ours (so it has a thread)."""
    receive(message(JAMIE, "partners@rapport.example.com", "Commission question",
                    "What is the rate for tents?\n", message_id="<q@trailnotes.com>",
                    references="<welcome@rapport.example.com>",
                    in_reply_to="<welcome@rapport.example.com>"))
    return db.session.scalar(select(Interaction).where(Interaction.kind == "email"))


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_a_reply_threads_is_on_the_timeline_at_once_and_once_after_sending(
        app, logged_in, jamie, their_email, sink, request):
    page = logged_in.get(f"/partners/{jamie.id}/compose?reply_to={their_email.id}")
    assert 'value="Re: Commission question"' in page.get_data(as_text=True)

    response = logged_in.post(f"/partners/{jamie.id}/compose", data={
        "subject": "Re: Commission question", "body": "It is 12% on tents.",
        "reply_to": str(their_email.id), "action": "send"})
    timeline = logged_in.get(f"/partners/{jamie.id}").get_data(as_text=True)

    assert response.status_code == 302
    assert "It is 12% on tents." in timeline
    assert '<span class="badge status-queued">' in timeline
    request.getfixturevalue("workers").drain()  # the worker starts only now
    (raw,) = sink.handler.raw
    sent = parsed(raw.replace(b"\r\n", b"\n"))
    assert sent["Subject"] == "Re: Commission question"
    assert sent["In-Reply-To"] == "<q@trailnotes.com>"
    assert sent["References"] == "<welcome@rapport.example.com> <q@trailnotes.com>"
    assert sent.get_content().endswith("It is 12% on tents.\n\n-- \nMia Manager\n"
                                       "Summit Partnerships\n")
    entries = db.session.scalars(select(Interaction).where(
        Interaction.partner_id == jamie.id, Interaction.kind == "email")
        .order_by(Interaction.id)).all()
    assert [(e.direction, e.thread_key) for e in entries] == [
        ("inbound", "<welcome@rapport.example.com>"),
        ("outbound", "<welcome@rapport.example.com>")]
    assert entries[1].message_id == sent["Message-ID"]
    assert db.session.scalar(select(OutboundEmail.status)) == "sent"
    thread = logged_in.get(f"/partners/{jamie.id}/threads/{entries[1].id}")
    assert thread.get_data(as_text=True).count('class="entry ') == 2


def test_with_a_connected_mailbox_it_leaves_through_the_managers_own_smtp(
        app, logged_in, manager, jamie, sink, workers, dovecot, mail_user):
    own = login_sink().start()
    try:
        mailbox = connect(manager, mail_user, dovecot, smtp_port=own.port)
        mailbox.smtp_username = "mia"
        from outreach.mailbox.credentials import Secrets, seal

        mailbox.sealed_secrets = seal(Secrets(mail_user.password, SMTP_PASSWORD))
        db.session.commit()
        logged_in.post(f"/partners/{jamie.id}/compose", data={
            "subject": "Hello", "body": "A personal note.", "action": "send"})
        workers.drain()
    finally:
        own.stop()

    assert sink.received == []
    (sent,) = own.received
    assert sent["From"] == "Mia Manager <mia@agency.example.com>"
    assert db.session.scalar(select(OutboundEmail.status)) == "sent"


def test_a_snippet_and_a_saved_template_are_inserted_for_this_partner(
        app, logged_in, manager, jamie):
    snippet = save_snippet(manager, "Rates", "Hi {{ partner.first_name }}, our rate is 12%.",
                           shared=True)

    inserted = logged_in.post(f"/partners/{jamie.id}/compose", data={
        "subject": "", "body": "", "insert": f"snippet:{snippet.id}", "action": "insert"})

    assert inserted.status_code == 200
    assert "Hi Jamie, our rate is 12%." in inserted.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0


def test_a_suppressed_address_is_refused_with_a_reason_and_nothing_is_queued(
        app, logged_in, jamie):
    suppress(JAMIE, "unsubscribed")

    response = logged_in.post(f"/partners/{jamie.id}/compose", data={
        "subject": "Hello", "body": "Anyone there?", "action": "send"})

    assert response.status_code == 422
    assert "this address is suppressed" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(OutboundEmail)) == 0
