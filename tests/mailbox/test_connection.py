"""Connection tests against the real Dovecot and SMTP servers: clear errors, no passwords."""

from __future__ import annotations

import socket

import pytest
from flask import Flask

from outreach.mailbox.connection import ConnectionProblem, Endpoint, check_smtp, open_imap
from tests.mailbox.helpers import Authenticator
from tests.outreach.smtp_sink import SmtpSink
from tests.services import free_port

SECRET = "s3cret-never-shown"


@pytest.fixture
def settings_app(dovecot):
    """Only the settings a connection reads; no database."""
    app = Flask("mailbox-test")
    app.config.update(RAPPORT_MAILBOX_TIMEOUT_SECONDS=1, RAPPORT_MAILBOX_CA_FILE=None,
                      RAPPORT_MAILBOX_ALLOW_PLAINTEXT=False)
    with app.app_context():
        yield app


def imap(dovecot, account, *, port=None, security="none", password=None) -> Endpoint:
    return Endpoint("imap", "127.0.0.1", port or dovecot.port, security, account.name,
                    account.password if password is None else password)


def refused(endpoint: Endpoint) -> ConnectionProblem:
    with pytest.raises(ConnectionProblem) as caught:
        open_imap(endpoint).logout()
    assert SECRET not in str(caught.value) and caught.value.__cause__ is None
    return caught.value


def test_the_right_password_logs_in_over_plain_starttls_and_tls(
        settings_app, dovecot, mail_user):
    settings_app.config["RAPPORT_MAILBOX_CA_FILE"] = str(dovecot.cert)
    for endpoint in (imap(dovecot, mail_user),
                     imap(dovecot, mail_user, security="starttls"),
                     imap(dovecot, mail_user, port=dovecot.tls_port, security="tls")):
        client = open_imap(endpoint)
        assert client.select_folder("INBOX", readonly=True)[b"EXISTS"] == 0
        client.logout()


def test_a_wrong_password_says_so(settings_app, dovecot, mail_user):
    problem = refused(imap(dovecot, mail_user, password=SECRET))

    assert problem.kind == "auth"
    assert "refused the user name or password" in problem.message


def test_an_untrusted_certificate_and_tls_to_a_plain_port_are_tls_errors(
        settings_app, dovecot, mail_user):
    untrusted = refused(imap(dovecot, mail_user, port=dovecot.tls_port, security="tls"))
    wrong_port = refused(imap(dovecot, mail_user, security="tls"))

    assert (untrusted.kind, wrong_port.kind) == ("tls", "tls")
    assert "certificate could not be verified" in untrusted.message
    assert "TLS handshake failed" in wrong_port.message


def test_an_unreachable_host_a_closed_port_and_a_silent_server_say_what_happened(
        settings_app, mail_user):
    closed = refused(Endpoint("imap", "127.0.0.1", free_port(), "none", "u", SECRET))
    unknown = refused(Endpoint("imap", "no-such-host.invalid", 993, "tls", "u", SECRET))
    with socket.socket() as silent:  # accepts the connection, never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        quiet = refused(Endpoint("imap", "127.0.0.1", silent.getsockname()[1], "none", "u",
                                 SECRET))

    assert (closed.kind, unknown.kind, quiet.kind) == ("unreachable", "unreachable", "timeout")
    assert "connection was refused" in closed.message
    assert "host no-such-host.invalid not found" in unknown.message
    assert "no answer within 1 seconds" in quiet.message


def test_smtp_login_is_checked_for_real(settings_app):
    sink = SmtpSink(authenticator=Authenticator(), auth_require_tls=False,
                   auth_exclude_mechanism=["LOGIN"]).start()
    try:
        check_smtp(Endpoint("smtp", "127.0.0.1", sink.port, "none", "mia", "smtp-pw-7q"))
        with pytest.raises(ConnectionProblem) as caught:
            check_smtp(Endpoint("smtp", "127.0.0.1", sink.port, "none", "mia", SECRET))
        with pytest.raises(ConnectionProblem) as no_tls:
            check_smtp(Endpoint("smtp", "127.0.0.1", sink.port, "starttls", "mia", "smtp-pw-7q"))
    finally:
        sink.stop()
    assert caught.value.kind == "auth" and SECRET not in caught.value.message
    assert "does not offer STARTTLS" in no_tls.value.message
