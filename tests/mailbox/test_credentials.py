"""Stored passwords at rest: sealed, opened by any configured key, rotated to the newest."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from crm.credentials import CredentialsUnreadable, new_key, open_text, seal_text
from crm.extensions import db
from crm.models import Availability, Mailbox
from outreach.mailbox.credentials import Secrets, seal, unseal
from tests.mailbox.helpers import connect
from tests.services import MailUser

PASSWORDS = Secrets("imap-pässword", "smtp-password")


def keys_app(keys=None, secret="the-secret-key") -> Flask:
    app = Flask("keys")
    app.config.update(SECRET_KEY=secret, RAPPORT_CREDENTIAL_KEYS=keys)
    return app


def sealed_with(app: Flask) -> str:
    with app.app_context():
        return seal(PASSWORDS)


def opened_with(app: Flask, token: str) -> Secrets:
    with app.app_context():
        return unseal(token)


def test_passwords_are_sealed_and_open_again_but_never_show():
    app = keys_app()
    token = sealed_with(app)

    assert opened_with(app, token) == PASSWORDS
    assert "password" not in token and "pässword" not in token
    assert "password" not in repr(PASSWORDS)


def test_a_key_list_opens_old_tokens_with_the_old_secret_as_a_passphrase():
    old = sealed_with(keys_app())  # derived from RAPPORT_SECRET_KEY

    rotated_in = keys_app(keys=(new_key(), "the-secret-key"), secret="a-new-secret")

    assert opened_with(rotated_in, old) == PASSWORDS
    with pytest.raises(CredentialsUnreadable):
        opened_with(keys_app(secret="a-new-secret"), old)


def test_the_newest_key_seals():
    newest, older = new_key(), new_key()
    token = sealed_with(keys_app(keys=(newest, older)))

    assert opened_with(keys_app(keys=(newest,)), token) == PASSWORDS
    with pytest.raises(CredentialsUnreadable):
        opened_with(keys_app(keys=(older,)), token)


def test_rotate_keys_reseals_every_stored_password_under_the_newest_key(app, manager, runner):
    mailbox = connect(manager, MailUser("mia", "imap-secret", None), _FakeServer())
    before = mailbox.sealed_secrets
    calendar = Availability(user_id=manager.id, calendar_password=seal_text("cal-secret"),
                            updated_at=mailbox.connected_at)
    db.session.add(calendar)
    db.session.commit()
    newest = new_key()
    app.config["RAPPORT_CREDENTIAL_KEYS"] = (newest, app.config["SECRET_KEY"])
    app.extensions.pop("rapport.credential_keys", None)

    result = runner.invoke(args=["credentials", "rotate-keys"])

    assert result.exit_code == 0, result.output
    assert "re-encrypted 2 stored password(s)" in result.output
    token = db.session.scalar(select(Mailbox.sealed_secrets).where(Mailbox.id == mailbox.id))
    assert opened_with(keys_app(keys=(newest,)), token).imap_password == "imap-secret"
    assert token != before
    sealed = db.session.scalar(select(Availability.calendar_password))
    with keys_app(keys=(newest,)).app_context():
        assert open_text(sealed) == "cal-secret"


def test_rotate_keys_reports_a_mailbox_no_key_opens(app, manager, runner):
    connect(manager, MailUser("mia", "imap-secret", None), _FakeServer())
    app.config["RAPPORT_CREDENTIAL_KEYS"] = (new_key(),)
    app.extensions.pop("rapport.credential_keys", None)

    result = runner.invoke(args=["credentials", "rotate-keys"])

    assert result.exit_code == 1
    assert "no configured key opens mailbox " in result.output


class _FakeServer:
    """Enough of a Dovecot for tests.mailbox.helpers.connect (nothing connects)."""

    port = 143
