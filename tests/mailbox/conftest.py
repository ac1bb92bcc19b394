"""Mailbox fixtures: a real Dovecot (one per xdist worker), a throwaway account per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import services


@pytest.fixture(scope="session")
def dovecot() -> Iterator[services.Dovecot]:
    server = services.start_dovecot()
    yield server
    server.remove()


@pytest.fixture
def mail_user(dovecot) -> services.MailUser:
    """A fresh IMAP account (INBOX and Sent, both empty) on the shared server."""
    if dovecot.process is None or dovecot.process.poll() is not None:
        dovecot.start()  # a test that stopped the server and failed before restarting it
    return dovecot.add_user()
