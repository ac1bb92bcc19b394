"""Connecting a user's own mailbox: check the settings, test them for real, store them sealed.

Nothing is stored that did not work: saving connects to both servers first, so a connected
mailbox is one whose IMAP login and SMTP login succeeded. Passwords left blank keep the
stored ones; they are never sent back to the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SENT

from crm import clock
from crm.errors import DomainError, InvalidInput
from crm.extensions import db
from crm.models import MAILBOX_SECURITIES, Mailbox, User
from crm.partners.identity import InvalidEmail, normalize_email
from outreach.mailbox.accounts import imap_endpoint, mailbox_of, smtp_endpoint
from outreach.mailbox.connection import (
    ConnectionProblem,
    Endpoint,
    check_smtp,
    close_imap,
    is_loopback,
    open_imap,
    problem,
)
from outreach.mailbox.credentials import CredentialsUnreadable, Secrets, seal, unseal
from outreach.mailbox.schedule import request_sync
from outreach.mailbox.sync import FIRST_SYNC_DAYS

HOST_LIMIT = 255
USERNAME_LIMIT = 254
PASSWORD_LIMIT = 1000


class MailboxUnusable(DomainError):
    """The servers could not be used with these settings (the message says why)."""

    code = "mailbox_unusable"
    status = 422


@dataclass
class MailboxSettings:
    """What the Mailbox form submits; blank passwords keep the stored ones."""

    email_address: str = ""
    imap_host: str = ""
    imap_port: int | None = None
    imap_security: str = "tls"
    imap_username: str = ""
    imap_password: str = field(default="", repr=False)
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_security: str = "starttls"
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    # SMTP logs in with the IMAP user name and password (most providers).
    smtp_same_login: bool = True


@dataclass(frozen=True)
class Checked:
    """Settings that passed validation, as the endpoints to try."""

    email_address: str
    imap: Endpoint
    smtp: Endpoint


def check_settings(settings: MailboxSettings, existing: Mailbox | None) -> Checked:
    """Validate every field at once; InvalidInput naming each bad one."""
    fields: dict[str, str] = {}
    email_address = _address(settings.email_address or settings.imap_username, fields)
    stored = _stored_secrets(existing)
    # A stored password is only ever sent to the server and user it was typed for.
    keep_imap = stored is not None and _same_account(existing, "imap", settings.imap_host,
                                                     settings.imap_username)
    imap = _endpoint("imap", settings.imap_host, settings.imap_port, settings.imap_security,
                     settings.imap_username, settings.imap_password,
                     stored.imap_password if keep_imap else "", fields)
    if settings.smtp_same_login:
        smtp_user, smtp_password = imap.username, imap.password
        stored_smtp = imap.password
    else:
        smtp_user, smtp_password = settings.smtp_username, settings.smtp_password
        keep_smtp = stored is not None and _same_account(existing, "smtp", settings.smtp_host,
                                                         settings.smtp_username)
        stored_smtp = stored.smtp_password if keep_smtp else ""
    smtp = _endpoint("smtp", settings.smtp_host, settings.smtp_port, settings.smtp_security,
                     smtp_user, smtp_password, stored_smtp, fields)
    if fields:
        raise InvalidInput("The mailbox was not saved.", fields)
    return Checked(email_address, imap, smtp)


def _same_account(existing: Mailbox | None, protocol: str, host: str, username: str) -> bool:
    if existing is None:
        return False
    stored = (getattr(existing, f"{protocol}_host"), getattr(existing, f"{protocol}_username"))
    return stored == ((host or "").strip().lower(), (username or "").strip())


def _stored_secrets(existing: Mailbox | None) -> Secrets | None:
    if existing is None:
        return None
    try:
        return unseal(existing.sealed_secrets)
    except CredentialsUnreadable:
        return None  # the user types the passwords again


def _address(value: str, fields: dict[str, str]) -> str:
    try:
        return normalize_email(value or "")[1]
    except InvalidEmail:
        fields["email_address"] = "must be the email address you write from"
        return ""


def _endpoint(protocol: str, host: str, port: int | None, security: str, username: str,
              password: str, stored_password: str, fields: dict[str, str]) -> Endpoint:
    host = (host or "").strip().lower()
    if not host or len(host) > HOST_LIMIT or any(c in host for c in " /:@\\"):
        fields[f"{protocol}_host"] = "must be a server name like imap.example.com"
    if security not in MAILBOX_SECURITIES:
        fields[f"{protocol}_security"] = f"must be one of {', '.join(MAILBOX_SECURITIES)}"
    elif security == "none" and host and not _plaintext_allowed(host):
        fields[f"{protocol}_security"] = ("no encryption is allowed only for a server on this "
                                          "machine (or with RAPPORT_MAILBOX_ALLOW_PLAINTEXT)")
    if port is None or not 0 < port < 65536:
        fields[f"{protocol}_port"] = "must be a port number (1-65535)"
    username = (username or "").strip()
    if not username or len(username) > USERNAME_LIMIT:
        fields[f"{protocol}_username"] = "is required"
    password = password or stored_password
    if not password:
        fields[f"{protocol}_password"] = "is required"
    elif len(password) > PASSWORD_LIMIT:
        fields[f"{protocol}_password"] = "is too long"
    return Endpoint(protocol, host, port or 0, security, username, password)


def _plaintext_allowed(host: str) -> bool:
    return is_loopback(host) or current_app.config["RAPPORT_MAILBOX_ALLOW_PLAINTEXT"]


FIELD_OF_KIND = {"auth": "password", "tls": "security", "unreachable": "host",
                 "timeout": "host"}


def test_connection(checked: Checked) -> str:
    """Log in to both servers as a sync and a send would; what was found, or MailboxUnusable."""
    found = _test_imap(checked.imap)
    try:
        check_smtp(checked.smtp)
    except ConnectionProblem as failure:
        raise _unusable(failure, "smtp") from None
    return f"{found} SMTP login at {checked.smtp.host} worked."


def _test_imap(endpoint: Endpoint) -> str:
    try:
        client = open_imap(endpoint)
    except ConnectionProblem as failure:
        raise _unusable(failure, "imap") from None
    try:
        count = client.select_folder("INBOX", readonly=True).get(b"EXISTS", 0)
        sent = client.find_special_folder(SENT)
    except (IMAPClientError, OSError) as error:
        raise _unusable(problem(error, endpoint), "imap") from None
    finally:
        close_imap(client)
    where = f"Sent folder “{sent}”" if sent else "no Sent folder (only INBOX will be read)"
    return f"IMAP login worked: INBOX has {count:,} messages; {where}."


def _unusable(failure: ConnectionProblem, protocol: str) -> MailboxUnusable:
    name = FIELD_OF_KIND.get(failure.kind)
    return MailboxUnusable(failure.message,
                           {f"{protocol}_{name}": failure.message} if name else {})


def connect_mailbox(user: User, settings: MailboxSettings) -> tuple[Mailbox, str]:
    """Test the settings and save them (sealed); the first sync starts after the commit."""
    existing = mailbox_of(user)
    checked = check_settings(settings, existing)
    found = test_connection(checked)
    now = clock.now()
    mailbox = existing or Mailbox(user_id=user.id, connected_at=now,
                                  sync_since=now - timedelta(days=FIRST_SYNC_DAYS))
    if existing is not None and (existing.imap_host, existing.imap_username) != (
            checked.imap.host, checked.imap.username):
        mailbox.folders = []  # another account: its folders are read from the start
    _apply(mailbox, checked, now)
    db.session.add(mailbox)
    db.session.commit()
    request_sync(mailbox.id)
    return mailbox, found


def _apply(mailbox: Mailbox, checked: Checked, now) -> None:
    imap, smtp = checked.imap, checked.smtp
    mailbox.email_address = checked.email_address
    mailbox.imap_host, mailbox.imap_port = imap.host, imap.port
    mailbox.imap_security, mailbox.imap_username = imap.security, imap.username
    mailbox.smtp_host, mailbox.smtp_port = smtp.host, smtp.port
    mailbox.smtp_security, mailbox.smtp_username = smtp.security, smtp.username
    mailbox.sealed_secrets = seal(Secrets(imap.password, smtp.password))
    mailbox.status, mailbox.last_error = "ok", ""
    mailbox.updated_at = now
    mailbox.next_sync_at = now


def test_saved_mailbox(mailbox: Mailbox) -> str:
    """Test the stored settings again; a success clears a refused-password pause."""
    try:
        secrets = unseal(mailbox.sealed_secrets)
    except CredentialsUnreadable as error:
        raise MailboxUnusable(str(error)) from None
    found = test_connection(Checked(mailbox.email_address, imap_endpoint(mailbox, secrets),
                                    smtp_endpoint(mailbox, secrets)))
    if mailbox.status == "auth_failed":
        mailbox.status, mailbox.last_error = "ok", ""
        mailbox.next_sync_at = clock.now()
        db.session.commit()
    return found


def sync_now(mailbox: Mailbox) -> None:
    """Have a worker read the mailbox now."""
    request_sync(mailbox.id)


def disconnect_mailbox(user: User) -> bool:
    """Forget the mailbox and its passwords; what it logged stays on the timelines."""
    mailbox = mailbox_of(user)
    if mailbox is None:
        return False
    db.session.delete(mailbox)
    db.session.commit()
    return True
