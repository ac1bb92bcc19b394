"""Talking to a manager's IMAP and SMTP servers, with errors a person can act on.

IMAP goes through IMAPClient (maintained, with IDLE, SPECIAL-USE lookup and parsed FETCH
responses; its logger redacts LOGIN). Every failure becomes a ConnectionProblem whose
message names what went wrong (password refused, TLS, host unreachable, timeout) and never
contains a password: the library's exception is not chained, so a traceback that reaches a
log does not carry it either.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
import ssl
from dataclasses import dataclass, field

from flask import current_app
from imapclient import IMAPClient
from imapclient.exceptions import (
    CapabilityError,
    IMAPClientAbortError,
    IMAPClientError,
    LoginError,
)

from outreach.mailer import SMTPMailer, SMTPSettings
from outreach.messages import one_line

SECURITY_LABELS = {"tls": "TLS", "starttls": "STARTTLS", "none": "no encryption"}
DEFAULT_PORTS = {("imap", "tls"): 993, ("imap", "starttls"): 143, ("imap", "none"): 143,
                 ("smtp", "tls"): 465, ("smtp", "starttls"): 587, ("smtp", "none"): 25}


class ConnectionProblem(Exception):
    """A mailbox server could not be used. `kind`: auth, tls, unreachable, timeout, protocol."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class Endpoint:
    """One server account: where, how encrypted, who; repr never shows the password."""

    protocol: str  # imap | smtp
    host: str
    port: int
    security: str  # tls | starttls | none
    username: str
    password: str = field(repr=False)

    @property
    def label(self) -> str:
        return f"{self.protocol.upper()} {self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    """True for localhost and loopback addresses (plaintext is allowed there)."""
    if host.strip().lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_context() -> ssl.SSLContext:
    """The system's trusted CAs, plus RAPPORT_MAILBOX_CA_FILE when set; hostnames checked."""
    context = ssl.create_default_context()
    ca_file = current_app.config["RAPPORT_MAILBOX_CA_FILE"]
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def _timeout() -> float:
    return float(current_app.config["RAPPORT_MAILBOX_TIMEOUT_SECONDS"])


def problem(error: BaseException, endpoint: Endpoint) -> ConnectionProblem:
    """The ConnectionProblem a library or socket error stands for."""
    where = endpoint.label
    if isinstance(error, LoginError | smtplib.SMTPAuthenticationError):
        return ConnectionProblem(
            f"{where}: the server refused the user name or password{_server_says(error)}.",
            "auth")
    if isinstance(error, ssl.SSLCertVerificationError):
        return ConnectionProblem(
            f"{where}: the server's TLS certificate could not be verified "
            f"({error.verify_message or error.reason}).", "tls")
    if isinstance(error, ssl.SSLError):
        return ConnectionProblem(
            f"{where}: the TLS handshake failed ({error.reason or error}). Check that port "
            f"{endpoint.port} expects {SECURITY_LABELS[endpoint.security]}.", "tls")
    if isinstance(error, socket.gaierror):
        return ConnectionProblem(f"{where}: host {endpoint.host} not found.", "unreachable")
    if isinstance(error, ConnectionRefusedError):
        return ConnectionProblem(f"{where}: the connection was refused (is the port right?).",
                                 "unreachable")
    if isinstance(error, TimeoutError):
        return ConnectionProblem(f"{where}: no answer within {_timeout():g} seconds.", "timeout")
    if isinstance(error, OSError):
        return ConnectionProblem(
            f"{where}: could not connect ({error.strerror or type(error).__name__}).",
            "unreachable")
    if isinstance(error, IMAPClientAbortError):
        return ConnectionProblem(f"{where}: the connection was lost{_server_says(error)}.",
                                 "unreachable")
    return ConnectionProblem(f"{where}: the server answered unexpectedly{_server_says(error)}.",
                             "protocol")


def _server_says(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
    else:
        text = error.args[0] if error.args else ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = one_line(str(text))[:200]
    return f" (the server said: {text})" if text else ""


def open_imap(endpoint: Endpoint) -> IMAPClient:
    """A logged-in IMAPClient, or ConnectionProblem."""
    client = None
    try:
        client = IMAPClient(endpoint.host, port=endpoint.port, ssl=endpoint.security == "tls",
                            ssl_context=tls_context(), timeout=_timeout())
        if endpoint.security == "starttls":
            client.starttls(tls_context())
        client.login(endpoint.username, endpoint.password)
        return client
    except CapabilityError:
        _close(client)
        raise ConnectionProblem(f"{endpoint.label}: the server does not offer STARTTLS.",
                                "tls") from None
    except (IMAPClientError, OSError) as error:
        _close(client)
        raise problem(error, endpoint) from None


def _close(client: IMAPClient | None) -> None:
    if client is None:
        return
    try:
        client.shutdown()
    except (IMAPClientError, OSError):
        pass


def close_imap(client: IMAPClient) -> None:
    """Log out, or just drop the connection when the server is gone."""
    try:
        client.logout()
    except (IMAPClientError, OSError):
        _close(client)


def smtp_settings(endpoint: Endpoint) -> SMTPSettings:
    """What outreach.mailer needs to send through this account."""
    return SMTPSettings(host=endpoint.host, port=endpoint.port,
                        implicit_tls=endpoint.security == "tls",
                        username=endpoint.username or None, password=endpoint.password or None,
                        timeout=_timeout(), require_starttls=endpoint.security == "starttls",
                        context_factory=tls_context)


def check_smtp(endpoint: Endpoint) -> None:
    """Connect, encrypt and log in the way sending will; ConnectionProblem otherwise."""
    mailer = SMTPMailer(smtp_settings(endpoint))
    try:
        mailer.connect_once()
    except smtplib.SMTPNotSupportedError as error:
        if "STARTTLS" in str(error):
            raise ConnectionProblem(f"{endpoint.label}: the server does not offer STARTTLS.",
                                    "tls") from None
        raise ConnectionProblem(f"{endpoint.label}: the server does not offer a login (AUTH).",
                                "auth") from None
    except (smtplib.SMTPException, OSError) as error:
        raise problem(error, endpoint) from None
    finally:
        mailer.close_all()
