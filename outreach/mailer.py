"""Sending one email: a Mailer protocol, an SMTP implementation and a capturing one.

The send engine only needs `send(message)` of a rendered WireMessage; it learns from the
exception whether to retry (TemporaryFailure: 4xx, connection trouble, timeouts) or give up
(PermanentFailure: 5xx).
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from outreach.messages import WireMessage


class DeliveryFailure(Exception):
    """The message was not accepted; `code` is the SMTP reply code when there was one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TemporaryFailure(DeliveryFailure):
    """Worth retrying later."""


class PermanentFailure(DeliveryFailure):
    """Retrying will not help (unknown mailbox, policy rejection)."""


class Mailer(Protocol):
    def send(self, message: WireMessage) -> None:
        """Hand the message to the next hop or raise a DeliveryFailure."""

    def close_all(self) -> None:
        """Release connections."""


@dataclass
class CapturingMailer:
    """Embedded mode: nothing leaves the machine; the outbox row is the captured copy.

    `sent` keeps only the latest messages (for tests), so a long-running server does not grow.
    """

    sent: deque[WireMessage] = field(default_factory=lambda: deque(maxlen=1000))

    def send(self, message: WireMessage) -> None:
        self.sent.append(message)

    def close_all(self) -> None:
        """Nothing to close."""


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None = field(repr=False)
    timeout: float
    # A manager's own server (outreach.mailbox): STARTTLS is required, not only used when
    # offered, and their certificate authorities apply.
    require_starttls: bool = False
    context_factory: Callable[[], ssl.SSLContext] = ssl.create_default_context

    @classmethod
    def from_url(cls, url: str) -> SMTPSettings:
        """smtp://[user:pass@]host[:587] (STARTTLS when offered) or smtps://…:465."""
        parts = urlsplit(url)
        implicit_tls = parts.scheme == "smtps"
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if implicit_tls else 25),
            implicit_tls=implicit_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=float(query.get("timeout", ["30"])[0]),
        )


def _classify(error: Exception) -> DeliveryFailure:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        text = "; ".join(
            f"{rcpt}: {code} {msg!r}" for rcpt, (code, msg) in error.recipients.items()
        )
        failure = PermanentFailure if all(c >= 500 for c in codes) else TemporaryFailure
        return failure(f"recipient refused: {text}", min(codes))
    if isinstance(error, smtplib.SMTPResponseException):
        failure = PermanentFailure if error.smtp_code >= 500 else TemporaryFailure
        return failure(f"{error.smtp_code} {error.smtp_error!r}", error.smtp_code)
    return TemporaryFailure(f"{type(error).__name__}: {error}")


class SMTPMailer:
    """Sends over one SMTP connection per thread, reopened when the server drops it."""

    def __init__(self, settings: SMTPSettings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._open: set[smtplib.SMTP] = set()
        self._lock = threading.Lock()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.implicit_tls:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout, context=s.context_factory()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            try:
                self._secure(smtp)
            except BaseException:
                smtp.close()
                raise
        if s.username:
            try:
                smtp.login(s.username, s.password or "")
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _secure(self, smtp: smtplib.SMTP) -> None:
        smtp.ehlo()
        if smtp.has_extn("starttls"):
            smtp.starttls(context=self.settings.context_factory())
            smtp.ehlo()
        elif self.settings.require_starttls:
            raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS")

    def connect_once(self) -> None:
        """Connect, encrypt and log in as a send would, then hang up (a connection test)."""
        self._quit(self._connect())

    def _connection(self) -> smtplib.SMTP:
        smtp = getattr(self._local, "smtp", None)
        if smtp is None:
            smtp = self._local.smtp = self._connect()
            with self._lock:
                self._open.add(smtp)
        return smtp

    def close(self) -> None:
        """Close this thread's connection."""
        smtp = getattr(self._local, "smtp", None)
        self._local.smtp = None
        if smtp is not None:
            self._quit(smtp)

    def close_all(self) -> None:
        """Close every thread's connection (worker shutdown)."""
        with self._lock:
            connections, self._open = list(self._open), set()
        for smtp in connections:
            self._quit(smtp)

    def _quit(self, smtp: smtplib.SMTP) -> None:
        with self._lock:
            self._open.discard(smtp)
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def send(self, message: WireMessage) -> None:
        try:
            self._send_once(message)
        except smtplib.SMTPServerDisconnected:
            # A reused connection may have been closed by the server while idle: one fresh try.
            self._local.smtp = None
            self._send_with_classified_errors(message)
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            self._reset_after(error)
            raise _classify(error) from error

    def _send_with_classified_errors(self, message: WireMessage) -> None:
        try:
            self._send_once(message)
        except (smtplib.SMTPException, OSError) as error:
            self._reset_after(error)
            raise _classify(error) from error

    def _send_once(self, message: WireMessage) -> None:
        # smtplib raises SMTPNotSupportedError itself when the server lacks SMTPUTF8.
        # One recipient, so a refusal raises SMTPRecipientsRefused rather than coming back.
        options = ("SMTPUTF8", "BODY=8BITMIME") if message.international else ()
        self._connection().sendmail(message.sender, [message.recipient], message.data,
                                    mail_options=options)

    def _reset_after(self, error: Exception) -> None:
        if not isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
            self.close()
        else:
            try:
                self._connection().rset()
            except (smtplib.SMTPException, OSError):
                self.close()


def mailer_from_url(url: str | None) -> Mailer:
    """The SMTP mailer for RAPPORT_SMTP_URL, or the capturing one when it is unset."""
    return SMTPMailer(SMTPSettings.from_url(url)) if url else CapturingMailer()
