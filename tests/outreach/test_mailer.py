"""The SMTP mailer against a real SMTP server on loopback."""

from datetime import UTC, datetime

import pytest

from outreach.mailer import (
    CapturingMailer,
    PermanentFailure,
    SMTPMailer,
    SMTPSettings,
    TemporaryFailure,
    mailer_from_url,
)
from outreach.messages import Envelope, WireMessage, render_message
from tests.outreach.smtp_sink import SmtpSink
from tests.services import free_port


@pytest.fixture
def sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def mailer(sink):
    mailer = SMTPMailer(SMTPSettings.from_url(sink.url))
    yield mailer
    mailer.close()


def message(to="partner@publisher.com", subject="Welcome") -> WireMessage:
    return render_message(Envelope(
        from_address="mia@agency.example.com", from_name="Mia", to_address=to, to_name="",
        subject=subject, text_body="Hello", html_body="",
        message_id=f"<{subject.lower().replace(' ', '-')}-{to}@rapport.example.com>",
        date=datetime(2026, 3, 10, 14, 0, tzinfo=UTC)))


def test_messages_arrive_over_one_reused_connection(sink, mailer):
    for number in range(3):
        mailer.send(message(subject=f"Step {number}"))
    assert [m["Subject"] for m in sink.received] == ["Step 0", "Step 1", "Step 2"]
    assert sink.handler.connections == 1


def test_a_451_is_a_temporary_failure_and_the_next_try_is_delivered(sink, mailer):
    sink.reply_to_rcpt("partner@publisher.com", "451 4.7.1 Greylisted, try again")
    with pytest.raises(TemporaryFailure) as failure:
        mailer.send(message())
    assert failure.value.code == 451
    mailer.send(message())
    assert len(sink.received) == 1


def test_a_550_is_a_permanent_failure(sink, mailer):
    sink.reply_to_rcpt("gone@publisher.com", "550 5.1.1 No such user")
    with pytest.raises(PermanentFailure) as failure:
        mailer.send(message(to="gone@publisher.com"))
    assert failure.value.code == 550
    assert sink.received == []


def test_an_internationalised_address_is_sent_with_smtputf8():
    sink = SmtpSink().start()  # aiosmtpd offers SMTPUTF8 unless told not to
    mailer = SMTPMailer(SMTPSettings.from_url(sink.url))
    try:
        mailer.send(message(to="zoë@publisher.example"))
    finally:
        mailer.close()
        sink.stop()
    [received] = sink.received
    assert str(received["To"]) == "zoë@publisher.example"  # raw UTF-8, RFC 6532


def test_a_server_without_smtputf8_cannot_take_an_internationalised_address():
    sink = SmtpSink(enable_SMTPUTF8=False).start()
    mailer = SMTPMailer(SMTPSettings.from_url(sink.url))
    try:
        with pytest.raises(TemporaryFailure, match="SMTPUTF8"):
            mailer.send(message(to="zoë@publisher.example"))
    finally:
        mailer.close()
        sink.stop()
    assert sink.received == []


def test_nobody_listening_is_a_temporary_failure():
    mailer = SMTPMailer(SMTPSettings.from_url(f"smtp://127.0.0.1:{free_port()}?timeout=2"))
    with pytest.raises(TemporaryFailure, match="ConnectionRefusedError"):
        mailer.send(message())


def test_settings_come_from_the_url():
    settings = SMTPSettings.from_url("smtps://user%40x.com:p%3Ass@mail.example.com")
    assert (settings.host, settings.port, settings.implicit_tls) == ("mail.example.com", 465, True)
    assert (settings.username, settings.password) == ("user@x.com", "p:ss")
    assert SMTPSettings.from_url("smtp://mail.example.com").port == 25


def test_no_smtp_url_means_captured_mail():
    mailer = mailer_from_url(None)
    assert isinstance(mailer, CapturingMailer)
    mailer.send(message())
    assert mailer.sent[0].parsed()["Subject"] == "Welcome"
