"""Live updates: a long-lived IMAP IDLE connection per connected mailbox wakes a sync.

One IdleWatcher runs per process that should keep them (inside `rapport serve`, or `rapport
mailbox idle` in production). Its supervisor thread looks for connected mailboxes every
REFRESH_SECONDS and keeps one thread per mailbox, which holds a lease on it (so a second
watcher process stands by instead of doubling), selects INBOX read-only and IDLEs. An EXISTS
from the server (new mail) wakes a sync; the sync itself runs on a worker like any other.
IDLE is re-issued every REISSUE_SECONDS, well before the 29 minutes RFC 2177 allows; a lost
connection is retried with backoff. A server without IDLE is left to the scheduler's polling.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime

from flask import Flask
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from sqlalchemy import update

from crm import clock
from crm.extensions import db
from crm.models import Mailbox
from outreach.leases import HOLDER, release_lease, take_lease
from outreach.mailbox.accounts import imap_endpoint
from outreach.mailbox.connection import ConnectionProblem, close_imap, open_imap
from outreach.mailbox.credentials import CredentialsUnreadable
from outreach.mailbox.schedule import readable_mailboxes

log = logging.getLogger(__name__)

REISSUE_SECONDS = 10 * 60
CHECK_SECONDS = 1.0  # how long one idle_check waits, so a stop is noticed within a second
LEASE_SECONDS = 120
REFRESH_SECONDS = 30
BACKOFF_SECONDS = (5, 15, 60, 300)

Wake = Callable[[int], None]


def _default_wake(mailbox_id: int) -> None:
    from outreach.mailbox.schedule import request_sync

    request_sync(mailbox_id)


class IdleWatcher:
    """Keeps an IDLE connection per connected mailbox until stopped."""

    def __init__(self, app: Flask, wake: Wake | None = None,
                 refresh_seconds: float = REFRESH_SECONDS) -> None:
        self.app = app
        self.wake = wake or _default_wake
        self.refresh_seconds = refresh_seconds
        self.stopping = threading.Event()
        self._idlers: dict[int, _Idler] = {}
        self._supervisor = threading.Thread(target=self._supervise, name="rapport-idle",
                                            daemon=True)

    def start(self) -> IdleWatcher:
        self._supervisor.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        self.stopping.set()
        self._supervisor.join(timeout)
        for idler in list(self._idlers.values()):
            idler.stop()
            idler.join(timeout)

    def idling(self) -> list[int]:
        """The mailboxes whose IDLE is established right now."""
        return [mailbox_id for mailbox_id, idler in self._idlers.items() if idler.idling.is_set()]

    def _supervise(self) -> None:
        while not self.stopping.is_set():
            try:
                with self.app.app_context():
                    try:
                        self._refresh(dict(db.session.execute(readable_mailboxes()).all()))
                    finally:
                        db.session.remove()
            except Exception:  # the database may be away for a moment; look again later
                log.exception("IDLE supervisor could not list mailboxes")
            self.stopping.wait(self.refresh_seconds)

    def _refresh(self, wanted: dict[int, datetime]) -> None:
        """One thread per wanted mailbox; a changed or removed mailbox's thread is replaced."""
        for mailbox_id, idler in list(self._idlers.items()):
            if wanted.get(mailbox_id) != idler.version or not idler.is_alive():
                idler.stop()
                del self._idlers[mailbox_id]
        for mailbox_id, version in wanted.items():
            if mailbox_id not in self._idlers:
                idler = _Idler(self, mailbox_id, version)
                self._idlers[mailbox_id] = idler
                idler.start()


class _Idler(threading.Thread):
    """IDLE on one mailbox's INBOX, reconnecting with backoff, until stopped."""

    def __init__(self, watcher: IdleWatcher, mailbox_id: int, version: datetime) -> None:
        super().__init__(name=f"rapport-idle-{mailbox_id}", daemon=True)
        self.watcher = watcher
        self.mailbox_id = mailbox_id
        self.version = version
        self.holder = f"{HOLDER}:idle:{uuid.uuid4().hex[:8]}"
        self.stopped = threading.Event()
        self.idling = threading.Event()

    def stop(self) -> None:
        self.stopped.set()

    def _done(self) -> bool:
        return self.stopped.is_set() or self.watcher.stopping.is_set()

    def run(self) -> None:
        failures = 0
        with self.watcher.app.app_context():
            while not self._done():
                try:
                    failures = 0 if self._session() else failures
                except (ConnectionProblem, IMAPClientError, OSError) as error:
                    failures += 1
                    log.info("IDLE on mailbox %s: %s", self.mailbox_id,
                             getattr(error, "message", type(error).__name__))
                except CredentialsUnreadable:
                    return  # nothing to log in with; the page says so
                except Exception:
                    failures += 1
                    log.exception("IDLE on mailbox %s failed", self.mailbox_id)
                finally:
                    self.idling.clear()
                    db.session.remove()
                if failures:
                    self.stopped.wait(BACKOFF_SECONDS[min(failures, len(BACKOFF_SECONDS)) - 1])

    def _lease(self) -> bool:
        name = f"mailbox-idle:{self.mailbox_id}"
        return take_lease(name, clock.now(), LEASE_SECONDS, self.holder)

    def _session(self) -> bool:
        """One connection's life; True when it ended normally (stop, or no IDLE offered)."""
        if not self._lease():  # another watcher has this mailbox; stand by
            self.stopped.wait(LEASE_SECONDS / 2)
            return True
        mailbox = db.session.get(Mailbox, self.mailbox_id)
        if mailbox is None:
            self.stop()
            return True
        client = open_imap(imap_endpoint(mailbox))
        db.session.commit()  # no transaction stays open for the connection's lifetime
        try:
            if not client.has_capability("IDLE"):
                self.stop()  # polling only; the scheduler reads it every interval
                return True
            client.select_folder("INBOX", readonly=True)
            self.watcher.wake(self.mailbox_id)  # whatever came while nobody was idling
            while not self._done():
                self._idle_once(client)
            return True
        finally:
            close_imap(client)
            release_lease(f"mailbox-idle:{self.mailbox_id}", clock.now(), self.holder)

    def _idle_once(self, client: IMAPClient) -> None:
        client.idle()
        self._seen()
        self.idling.set()
        started = renewed = time.monotonic()
        try:
            while not self._done() and time.monotonic() - started < REISSUE_SECONDS:
                responses = client.idle_check(timeout=CHECK_SECONDS)
                if any(_says(response, b"BYE") for response in responses):
                    raise ConnectionProblem("the server closed the connection", "unreachable")
                if any(_says(response, b"EXISTS") for response in responses):
                    self.watcher.wake(self.mailbox_id)
                if time.monotonic() - renewed > LEASE_SECONDS / 3:
                    renewed = time.monotonic()
                    if not self._lease():
                        raise ConnectionProblem("another watcher took this mailbox", "protocol")
        finally:
            self.idling.clear()
        client.idle_done()

    def _seen(self) -> None:
        db.session.execute(update(Mailbox).where(Mailbox.id == self.mailbox_id)
                           .values(idle_seen_at=clock.now()))
        db.session.commit()


def _says(response: tuple, word: bytes) -> bool:
    return any(part == word for part in response[:2] if isinstance(part, bytes))
