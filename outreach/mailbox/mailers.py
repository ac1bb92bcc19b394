"""Which mailer sends an outbox row: the system one, or the sender's own SMTP server.

A row sent as a user with a connected mailbox leaves through that mailbox's SMTP account; any
other row through RAPPORT_SMTP_URL (or is captured, in the embedded mode). One SMTP mailer is
kept per mailbox, its password decrypted here in the worker, and replaced when the mailbox's
settings change. A chunk of system emails costs nothing extra: no sender, no query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, select

from crm.models import Mailbox
from outreach.mailbox.accounts import smtp_endpoint
from outreach.mailbox.connection import smtp_settings
from outreach.mailbox.credentials import CredentialsUnreadable, unseal
from outreach.mailer import Mailer, SMTPMailer, TemporaryFailure
from outreach.messages import WireMessage

MAILBOXES = Mailbox.__table__


class _Unusable:
    """A mailbox whose password no key opens: its emails wait (retry) until that is fixed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def send(self, message: WireMessage) -> None:
        raise TemporaryFailure(self.reason)

    def close_all(self) -> None:
        """Nothing to close."""


class SenderMailers:
    """The system mailer, and an SMTP mailer per connected mailbox (cached)."""

    def __init__(self, system: Mailer) -> None:
        self.system = system
        self._by_user: dict[int, tuple[datetime, Mailer]] = {}
        self._lock = threading.Lock()

    def send(self, message: WireMessage) -> None:
        """Send through the system mailer (callers that do not choose per sender)."""
        self.system.send(message)

    def chooser(self, connection: Connection,
                sender_ids: set[int | None]) -> Callable[[int | None], Mailer]:
        """sender_id → mailer for one chunk of rows (one query when any row has a sender)."""
        users = {sender_id for sender_id in sender_ids if sender_id is not None}
        if not users:
            return lambda sender_id: self.system
        rows = connection.execute(select(MAILBOXES).where(MAILBOXES.c.user_id.in_(users))).all()
        connection.commit()
        chosen = {row.user_id: self._mailer(row) for row in rows}
        return lambda sender_id: chosen.get(sender_id, self.system)

    def _mailer(self, row) -> Mailer:
        with self._lock:
            cached = self._by_user.get(row.user_id)
            if cached is not None and cached[0] == row.updated_at:
                return cached[1]
            if cached is not None:
                cached[1].close_all()
            try:
                mailer: Mailer = SMTPMailer(smtp_settings(
                    smtp_endpoint(row, unseal(row.sealed_secrets))))
            except CredentialsUnreadable as error:
                mailer = _Unusable(str(error))
            self._by_user[row.user_id] = (row.updated_at, mailer)
            return mailer

    def close_all(self) -> None:
        """Close the system mailer's connections and every mailbox's."""
        self.system.close_all()
        with self._lock:
            mailers, self._by_user = [m for _, m in self._by_user.values()], {}
        for mailer in mailers:
            mailer.close_all()
