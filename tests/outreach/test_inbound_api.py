"""POST /api/v1/inbound and `rapport inbound`: raw messages in, one result (or one error) out."""

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import InboundMessage, OutboundEmail, Partner
from outreach.enrollments import enroll
from outreach.inbound import MAX_BYTES
from outreach.scheduler import tick
from tests.conftest import _make_app
from tests.factories import make_client, make_partner
from tests.outreach.mail import load

URL = "/api/v1/inbound"
JAMIE = "jamie@trailnotes.com"


@pytest.fixture
def welcomed(app, sink, workers, manager):
    """Jamie's first welcome email reached the SMTP server; its Message-ID."""
    partner = make_partner(name="Jamie Rivera", email=JAMIE, timezone="Europe/Berlin")
    enroll(partner, make_client(name="Summit Outdoor"), manager)
    tick()
    workers.drain()
    (message,) = sink.received
    return message["Message-ID"]


def post(api, raw: bytes, content_type: str = "message/rfc822"):
    return api.post(URL, data=raw, content_type=content_type)


def stored_count() -> int:
    return db.session.scalar(select(func.count(InboundMessage.id)))


def test_posting_a_reply_answers_201_with_what_it_did(api, welcomed):
    response = post(api, load("gmail_reply.eml", welcomed))

    assert response.status_code == 201
    assert response.get_json() == {
        "id": db.session.scalar(select(InboundMessage.id)), "kind": "reply",
        "partner_id": db.session.scalar(select(Partner.id)),
        "outbound_email_id": db.session.scalar(select(OutboundEmail.id)),
        "effects": ["reply_logged", "enrollments_stopped:1"], "duplicate": False,
    }


def test_posting_the_same_message_again_answers_200_with_the_first_result(api, welcomed):
    first = post(api, load("gmail_reply.eml", welcomed)).get_json()

    again = post(api, load("gmail_reply.eml", welcomed))

    assert again.status_code == 200
    assert again.get_json() == {**first, "effects": [], "duplicate": True}
    assert stored_count() == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream",
                                          "message/rfc822; charset=utf-8"])
def test_other_raw_content_types_are_accepted(api, content_type):
    response = post(api, load("unmatched.eml"), content_type)

    assert response.status_code == 201
    assert response.get_json()["kind"] == "unmatched"


def test_an_empty_body_is_a_422_naming_the_message(api):
    response = post(api, b"")

    assert response.status_code == 422
    assert response.get_json() == {"error": {
        "code": "invalid_input", "message": "The message is empty.",
        "fields": {"message": "is empty"},
    }}
    assert stored_count() == 0


def test_a_body_that_is_not_an_email_is_a_422_and_is_kept(api):
    response = post(api, b"just some words\n", "text/plain")

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert set(error["fields"]) == {"message"}
    kept = db.session.scalar(select(InboundMessage))
    assert (kept.kind, kept.raw) == ("unmatched", "just some words\n")
    assert error["message"].endswith(f"It was kept as inbound message #{kept.id}.")


def test_a_json_body_is_refused_with_415(api):
    response = api.post(URL, json={"raw": "From: a@b.com"})

    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    assert stored_count() == 0


def test_a_body_over_the_limit_is_refused_with_413_and_not_stored(api):
    response = post(api, b"Subject: big\n\n" + b"x" * MAX_BYTES)

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
    assert stored_count() == 0


def test_a_wrong_token_is_a_401(client):
    response = client.post(URL, data=load("unmatched.eml"), content_type="message/rfc822",
                           headers={"Authorization": "Bearer rpt_wrong"})

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_the_openapi_document_describes_the_raw_body_and_the_result(api):
    spec = api.get("/api/v1/openapi.json").get_json()

    operation = spec["paths"][URL]["post"]
    assert set(operation["requestBody"]["content"]) == {
        "message/rfc822", "text/plain", "application/octet-stream"
    }
    assert {"200", "201", "413", "415", "422"} <= set(operation["responses"])
    ref = operation["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    result = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    assert set(result["properties"]) == {
        "id", "kind", "partner_id", "outbound_email_id", "effects", "duplicate"
    }


# --- rapport inbound ---------------------------------------------------------------------------


def test_the_command_reads_stdin_and_prints_one_line(runner, welcomed):
    result = runner.invoke(args=["inbound"], input=load("postfix_hard_bounce.eml", welcomed))

    assert result.exit_code == 0, result.output
    partner_id = db.session.scalar(select(Partner.id))
    email_id = db.session.scalar(select(OutboundEmail.id))
    inbound_id = db.session.scalar(select(InboundMessage.id))
    assert result.stdout == (
        f"kind=bounce partner={partner_id} effects=suppressed:{JAMIE},email_bounced:{email_id} "
        f"inbound={inbound_id}\n"
    )


def test_the_command_says_when_it_has_seen_a_message_before(runner):
    raw = load("unmatched.eml")
    runner.invoke(args=["inbound"], input=raw)

    result = runner.invoke(args=["inbound"], input=raw)

    assert result.exit_code == 0
    inbound_id = db.session.scalar(select(InboundMessage.id))
    assert result.stdout == f"kind=unmatched partner=- effects=- inbound={inbound_id} " \
                            "duplicate=yes\n"


@pytest.mark.parametrize("raw, line", [
    (b"", "rapport inbound: The message is empty.\n"),
    (b"x" * (MAX_BYTES + 1), "rapport inbound: The message is larger than 10 MB.\n"),
])
def test_the_command_refuses_bad_input_with_one_line_and_exit_1(runner, raw, line):
    result = runner.invoke(args=["inbound"], input=raw)

    assert (result.exit_code, result.stdout, result.stderr) == (1, "", line)


def test_the_command_keeps_bytes_that_are_not_an_email_but_fails(runner):
    result = runner.invoke(args=["inbound"], input=b"hello\n")

    assert result.exit_code == 1
    assert result.stderr.startswith("rapport inbound: This is not an email message")
    assert len(result.stderr.splitlines()) == 1
    assert stored_count() == 1


def test_the_command_asks_the_mail_server_to_retry_when_the_database_is_down(tmp_path):
    broken = _make_app(f"sqlite:///{tmp_path / 'missing' / 'rapport.db'}", tmp_path / "instance")

    result = broken.test_cli_runner().invoke(args=["inbound"], input=load("unmatched.eml"))

    # 75 is EX_TEMPFAIL: Postfix and procmail keep the message and deliver it again later.
    assert result.exit_code == 75
    assert result.stderr == "rapport inbound: database error, try again later: OperationalError\n"
    with broken.app_context():
        db.engine.dispose()
