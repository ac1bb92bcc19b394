"""My settings › Mailbox: connect for real, clear errors next to the field, never a password."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Mailbox
from outreach.mailbox.bcc import bcc_address
from tests.mailbox.helpers import login_sink


@pytest.fixture
def sink():
    sink = login_sink().start()
    yield sink
    sink.stop()


def form(dovecot, account, sink, **changes) -> dict:
    data = {"email_address": "mia@agency.example.com", "imap_host": "127.0.0.1",
            "imap_port": dovecot.port, "imap_security": "none", "imap_username": account.name,
            "imap_password": account.password, "smtp_host": "127.0.0.1", "smtp_port": sink.port,
            "smtp_security": "none", "smtp_same_login": "", "smtp_username": "mia",
            "smtp_password": "smtp-pw-7q", "action": "save"}
    return {**data, **changes}


def test_connecting_tests_both_servers_stores_the_passwords_sealed_and_never_shows_them(
        app, logged_in, manager, dovecot, mail_user, sink, caplog):
    caplog.set_level(logging.DEBUG)
    response = logged_in.post("/settings/mailbox/", data=form(dovecot, mail_user, sink))
    page = logged_in.get("/settings/mailbox/").get_data(as_text=True)

    assert response.status_code == 302
    mailbox = db.session.scalar(select(Mailbox))
    assert (mailbox.user_id, mailbox.email_address, mailbox.status) == (
        manager.id, "mia@agency.example.com", "ok")
    assert "Connected" in page and "Last read" in page
    for secret in (mail_user.password, "smtp-pw-7q"):
        assert secret not in page
        assert secret not in mailbox.sealed_secrets
        assert secret not in caplog.text


def test_test_connection_reports_success_without_saving(app, logged_in, dovecot, mail_user,
                                                          sink):
    response = logged_in.post("/settings/mailbox/",
                              data=form(dovecot, mail_user, sink, action="test"))

    assert response.status_code == 200
    assert "Test passed. IMAP login worked: INBOX has 0 messages" in response.get_data(
        as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Mailbox)) == 0


def test_a_wrong_password_is_shown_next_to_the_field_and_nothing_is_saved(
        app, logged_in, dovecot, mail_user, sink):
    response = logged_in.post("/settings/mailbox/",
                              data=form(dovecot, mail_user, sink, imap_password="wrong-one"))
    page = response.get_data(as_text=True)

    assert response.status_code == 422
    assert 'id="imap_password-error"' in page
    assert "refused the user name or password" in page
    assert "wrong-one" not in page
    assert db.session.scalar(select(func.count()).select_from(Mailbox)) == 0


def test_no_encryption_to_a_remote_server_is_refused(app, logged_in, dovecot, mail_user, sink):
    response = logged_in.post("/settings/mailbox/", data=form(
        dovecot, mail_user, sink, imap_host="imap.example.com"))

    assert response.status_code == 422
    assert "no encryption is allowed only for a server on this machine" in response.get_data(
        as_text=True)


def test_saving_again_with_empty_passwords_keeps_them_and_disconnect_forgets_everything(
        app, logged_in, dovecot, mail_user, sink):
    logged_in.post("/settings/mailbox/", data=form(dovecot, mail_user, sink))
    again = logged_in.post("/settings/mailbox/", data=form(
        dovecot, mail_user, sink, imap_password="", smtp_password="",
        email_address="mia.manager@agency.example.com"))

    assert again.status_code == 302
    assert db.session.scalar(select(Mailbox.email_address)) == "mia.manager@agency.example.com"
    logged_in.post("/settings/mailbox/disconnect")
    assert db.session.scalar(select(func.count()).select_from(Mailbox)) == 0


def test_the_bcc_address_is_made_shown_and_replaced(app, logged_in, manager):
    logged_in.post("/settings/mailbox/bcc")
    first = bcc_address(manager)
    page = logged_in.get("/settings/mailbox/").get_data(as_text=True)
    logged_in.post("/settings/mailbox/bcc")

    assert first.startswith("rapport+") and first.endswith("@localhost")
    assert first in page
    assert bcc_address(manager) not in (None, first)
