"""Building messages and mailboxes for the mailbox tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from aiosmtpd.smtp import AuthResult
from imapclient import IMAPClient

from crm import clock
from crm.extensions import db
from crm.models import Mailbox, User
from outreach.mailbox.credentials import Secrets, seal
from tests.services import Dovecot, MailUser

MIA = "mia@agency.example.com"
SMTP_PASSWORD = "smtp-pw-7q"
_ids = itertools.count(1)


def message(sender: str, to: str, subject: str = "Hello", body: str = "Hi there.\n", *,
            message_id: str | None = None, in_reply_to: str = "", references: str = "",
            date: datetime | None = None, extra: str = "") -> bytes:
    """A small RFC 5322 message as bytes (CRLF)."""
    message_id = message_id or f"<m{next(_ids)}@mail.example.com>"
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}",
             f"Date: {format_datetime(date or clock.now() - timedelta(hours=1))}",
             f"Message-ID: {message_id}"]
    if in_reply_to:
        lines.append(f"In-Reply-To: {in_reply_to}")
    if references:
        lines.append(f"References: {references}")
    if extra:
        lines.append(extra)
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body]
    return "\r\n".join(lines).encode()


def recent(days: float = 1) -> float:
    """A unix time `days` before the test clock (a message's INTERNALDATE)."""
    return (clock.now() - timedelta(days=days)).timestamp()


def connect(user: User, account: MailUser, server: Dovecot, *, smtp_port: int = 1,
            email: str = MIA) -> Mailbox:
    """Store a connected mailbox for the account directly (no connection test)."""
    now = clock.now()
    mailbox = Mailbox(
        user_id=user.id, email_address=email, imap_host="127.0.0.1", imap_port=server.port,
        imap_security="none", imap_username=account.name, smtp_host="127.0.0.1",
        smtp_port=smtp_port, smtp_security="none", smtp_username="",
        sealed_secrets=seal(Secrets(account.password, "")), connected_at=now, updated_at=now,
        sync_since=now - timedelta(days=90), next_sync_at=now)
    db.session.add(mailbox)
    db.session.commit()
    return mailbox


def imap(server: Dovecot, account: MailUser) -> IMAPClient:
    client = IMAPClient("127.0.0.1", port=server.port, ssl=False, timeout=10)
    client.login(account.name, account.password)
    return client


def append(server: Dovecot, account: MailUser, folder: str, raw: bytes,
           when: datetime | None = None) -> None:
    """APPEND over IMAP, as a mail client or delivery would (IDLE sessions hear of it)."""
    client = imap(server, account)
    try:
        client.append(folder, raw, msg_time=when or datetime.now(UTC))
    finally:
        client.logout()


class Authenticator:
    """aiosmtpd login check: user "mia", password "smtp-pw-7q"."""

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = (auth_data.login, auth_data.password)
        ok = login in (("mia", SMTP_PASSWORD), (b"mia", SMTP_PASSWORD.encode()))
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535


def login_sink():
    """An SMTP sink that wants a login (AUTH PLAIN, without TLS: loopback only)."""
    from tests.outreach.smtp_sink import SmtpSink

    return SmtpSink(authenticator=Authenticator(), auth_require_tls=False,
                    auth_exclude_mechanism=["LOGIN"])
