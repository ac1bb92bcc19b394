"""Reading a manager's INBOX and Sent folder onto partner timelines, resumably.

Per folder the sync keeps the server's UIDVALIDITY and the last UID it read, committed after
every batch, so a restart (ours or the server's) resumes after the last finished batch and
re-reads nothing. A new UIDVALIDITY means the server renumbered the folder: it is read again
from the start, and Message-IDs keep anything from being logged twice. The first sync reads
the 90 days before the mailbox was connected, and every later one stays inside that window.

Mail is streamed: a batch's headers first (the few that decide), then only the messages that
concern a partner, a few megabytes at a time. A partner's mail in INBOX goes through
outreach.inbound_apply.receive, exactly like mail piped to `rapport inbound`: a reply stops
sequences, a bounce suppresses, an auto-reply is noted. The manager's own mail (the Sent
folder, or INBOX mail from their own address) is logged as theirs on each partner's
timeline. Mail that concerns no partner is not stored. A message that cannot be read is
skipped and counted on the mailbox, and the folder moves on past it.

A lease per mailbox keeps two workers (or two schedulers' messages) from syncing it at once;
one asked for while another runs makes that one go round again.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SENT
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from crm import clock
from crm.errors import DomainError
from crm.extensions import db
from crm.models import Mailbox, MailboxFolder, Partner, User
from outreach.inbound_apply import receive
from outreach.leases import HOLDER, release_lease, take_lease
from outreach.mailbox.accounts import imap_endpoint, own_addresses
from outreach.mailbox.connection import ConnectionProblem, close_imap, open_imap, problem
from outreach.mailbox.copies import log_copy, partners_with, sent_by_rapport
from outreach.mailbox.credentials import CredentialsUnreadable, unseal
from outreach.mailbox.reading import (
    HEADER_FIELDS,
    Head,
    parse_whole,
    read_head,
    too_large,
    with_message_id,
)

log = logging.getLogger(__name__)

BATCH = 200  # messages whose headers one FETCH asks for
BODY_BYTES = 8 * 1024 * 1024  # whole messages fetched per round trip, at most
RUN_SECONDS = 240  # one run; a longer (first) sync continues in the next message
LEASE_SECONDS = 600  # renewed after every batch
FIRST_SYNC_DAYS = 90
HEADER_ITEM = f"BODY.PEEK[HEADER.FIELDS ({' '.join(HEADER_FIELDS)})]"
# Errors of the database itself are not a message's fault: they end the run, not the message.
DATABASE_DOWN = (OperationalError, InterfaceError)

Progress = Callable[[str, int, int], None]  # folder role, last UID done, messages left


@dataclass
class SyncReport:
    """What one run did. `finished`: nothing left to read; `busy`: another run had it."""

    logged: int = 0
    skipped: int = 0
    read: int = 0
    finished: bool = True
    busy: bool = False
    error: str = ""


@dataclass
class _Batch:
    logged: int = 0
    skipped: int = 0
    last_skipped: str = ""


@dataclass(frozen=True)
class Action:
    """What to do with one message: skip (unreadable), ignore, inbound or outbound."""

    kind: str
    head: Head
    reason: str = ""
    partners: list[Partner] = field(default_factory=list)


@dataclass
class _Run:
    mailbox: Mailbox
    user: User
    holder: str
    deadline: float
    progress: Progress | None
    report: SyncReport
    own: set[str]


def lease_name(mailbox_id: int) -> str:
    return f"mailbox-sync:{mailbox_id}"


def sync_mailbox(mailbox_id: int, *, progress: Progress | None = None,
                 run_seconds: float = RUN_SECONDS) -> SyncReport:
    """Read what is new in the mailbox's INBOX and Sent folder; see the module docstring."""
    mailbox = db.session.get(Mailbox, mailbox_id)
    if mailbox is None:
        return SyncReport(error="no such mailbox")
    user = db.session.get(User, mailbox.user_id)
    if not user.is_active:  # deactivated after the message was sent
        return SyncReport(error="the mailbox's user is deactivated")
    holder = f"{HOLDER}:{uuid.uuid4().hex[:12]}"
    if not take_lease(lease_name(mailbox_id), clock.now(), LEASE_SECONDS, holder):
        _ask_again(mailbox_id)
        return SyncReport(finished=False, busy=True)
    run = _Run(mailbox, user, holder,
               time.monotonic() + run_seconds, progress, SyncReport(),
               set())
    try:
        run.own = own_addresses(mailbox, run.user)
        while _one_pass(run) and _woken(mailbox_id):
            pass
        return run.report
    finally:
        release_lease(lease_name(mailbox_id), clock.now(), holder)


def _ask_again(mailbox_id: int) -> None:
    db.session.execute(update(Mailbox).where(Mailbox.id == mailbox_id)
                       .values(wake_pending=True))
    db.session.commit()


def _woken(mailbox_id: int) -> bool:
    """Whether a sync was asked for during this one (and take that request)."""
    taken = db.session.execute(
        update(Mailbox).where(Mailbox.id == mailbox_id, Mailbox.wake_pending.is_(True))
        .values(wake_pending=False)).rowcount == 1
    db.session.commit()
    return taken


def _one_pass(run: _Run) -> bool:
    """Both folders once; False when the run must stop (an error, or out of time)."""
    mailbox = run.mailbox
    mailbox.wake_pending = False
    db.session.commit()
    try:
        endpoint = imap_endpoint(mailbox, unseal(mailbox.sealed_secrets))
    except CredentialsUnreadable as error:
        return _failed(run, str(error), "auth")
    try:
        client = open_imap(endpoint)
    except ConnectionProblem as failure:
        return _failed(run, failure.message, failure.kind)
    try:
        for role, name in _folders(client):
            if not _sync_folder(run, client, _folder(mailbox, role, name)):
                run.report.finished = False
                return False
    except (IMAPClientError, OSError) as error:
        failure = problem(error, endpoint)
        return _failed(run, failure.message, failure.kind)
    finally:
        close_imap(client)
    return _succeeded(run)


def _folders(client: IMAPClient) -> list[tuple[str, str]]:
    """INBOX, and the Sent folder: SPECIAL-USE \\Sent, else a common name."""
    folders = [("inbox", "INBOX")]
    sent = client.find_special_folder(SENT)
    if sent and sent.upper() != "INBOX":
        folders.append(("sent", sent))
    return folders


def _folder(mailbox: Mailbox, role: str, name: str) -> MailboxFolder:
    folder = next((f for f in mailbox.folders if f.role == role), None)
    if folder is None:
        folder = MailboxFolder(mailbox_id=mailbox.id, role=role, name=name, last_uid=0,
                               updated_at=clock.now())
        db.session.add(folder)
    elif folder.name != name:  # the Sent folder moved: a different folder, read afresh
        folder.name, folder.uidvalidity, folder.last_uid = name, None, 0
    db.session.commit()
    return folder


def _sync_folder(run: _Run, client: IMAPClient, folder: MailboxFolder) -> bool:
    """Read the folder's new messages batch by batch; False when out of time."""
    selected = client.select_folder(folder.name, readonly=True)  # EXAMINE: flags untouched
    validity = int(selected.get(b"UIDVALIDITY", 0))
    if folder.uidvalidity != validity:
        folder.uidvalidity, folder.last_uid = validity, 0
        db.session.commit()
    after = folder.last_uid
    since = run.mailbox.sync_since.date()
    uids = sorted(uid for uid in client.search(["UID", f"{after + 1}:*", "SINCE", since])
                  if uid > after)
    for start in range(0, len(uids), BATCH):
        batch = uids[start:start + BATCH]
        done = _sync_batch(run, client, folder.role, batch)
        still_ours = _record_batch(run, folder, batch[-1], done)
        left = len(uids) - start - len(batch)
        if run.progress is not None:
            run.progress(folder.role, batch[-1], left)
        if not still_ours or (left and time.monotonic() > run.deadline):
            return False
    return True


def _record_batch(run: _Run, folder: MailboxFolder, last_uid: int, done: _Batch) -> bool:
    """Commit the folder's progress and renew the lease; False when the lease was lost."""
    mailbox = run.mailbox
    folder.last_uid, folder.updated_at = last_uid, clock.now()
    mailbox.logged_count += done.logged
    mailbox.skipped_count += done.skipped
    if done.last_skipped:
        mailbox.last_skipped = done.last_skipped[:300]
    db.session.commit()
    run.report.logged += done.logged
    run.report.skipped += done.skipped
    return take_lease(lease_name(mailbox.id), clock.now(), LEASE_SECONDS, run.holder)


def _sync_batch(run: _Run, client: IMAPClient, role: str, uids: list[int]) -> _Batch:
    fetched = client.fetch(uids, ["RFC822.SIZE", HEADER_ITEM])
    heads = [_head(uid, data) for uid, data in sorted(fetched.items())]
    run.report.read += len(heads)
    actions = plan(heads, role, run.own)
    done = _Batch()
    for action in actions:
        if action.kind == "skip":
            _skip(run, done, role, action.head, action.reason)
    wanted = [a for a in actions if a.kind in ("inbound", "outbound")]
    for chunk in _by_size(wanted):
        bodies = client.fetch([a.head.uid for a in chunk], ["BODY.PEEK[]"])
        for action in chunk:
            raw = bodies.get(action.head.uid, {}).get(b"BODY[]")
            if raw is not None:  # None: deleted since the headers were read
                _apply_safely(run, done, role, action, raw)
        del bodies
    return done


def _head(uid: int, data: dict) -> Head:
    size = int(data.get(b"RFC822.SIZE") or 0)
    try:
        return read_head(uid, size, _header_block(data))
    except Exception:  # the standard library's header parsing has raised on hostile input
        return Head(uid, size, problem="its headers cannot be read")


def _header_block(data: dict) -> bytes:
    for key, value in data.items():
        if isinstance(key, bytes) and key.startswith(b"BODY[HEADER"):
            return value or b""
    return b""


def plan(heads: list[Head], role: str, own: set[str]) -> list[Action]:
    """What to do with each message of a batch (two queries for the whole batch)."""
    partners = partners_with(set().union(*(head.addresses() for head in heads)) - own)
    ids = {head.message_id for head in heads} | {ref for head in heads for ref in head.references}
    ours = sent_by_rapport(ids)
    return [decide(head, role, own, partners, ours) for head in heads]


def decide(head: Head, role: str, own: set[str], partners: dict[str, Partner],
           ours: set[str]) -> Action:
    """Skip, ignore, or apply one message as the manager's (outbound) or to them (inbound)."""
    if head.problem:
        return Action("skip", head, head.problem)
    if head.message_id in ours:
        return Action("ignore", head, "sent by Rapport, on the timeline already")
    if role == "sent" or head.from_address in own:
        found = [partners[a] for a in head.recipients if a in partners]
        kind = "outbound" if found else "ignore"
    else:
        concerns = (head.from_address in partners or head.looks_like_bounce
                    or any(ref in ours for ref in head.references))
        kind, found = ("inbound" if concerns else "ignore"), []
    if kind != "ignore" and too_large(head):
        return Action("skip", head, f"it is larger than the {_mb()} MB inbound mail may be")
    return Action(kind, head, partners=found)


def _mb() -> int:
    from outreach.inbound import MAX_BYTES

    return MAX_BYTES // (1024 * 1024)


def _by_size(actions: list[Action]) -> Iterator[list[Action]]:
    chunk: list[Action] = []
    size = 0
    for action in actions:
        if chunk and size + action.head.size > BODY_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(action)
        size += action.head.size
    if chunk:
        yield chunk


def _apply_safely(run: _Run, done: _Batch, role: str, action: Action, raw: bytes) -> None:
    """Apply one message; whatever goes wrong with it is a skip, never the end of the run."""
    try:
        reason = _apply(run, action, raw)
    except DATABASE_DOWN:
        raise
    except IntegrityError:  # logged another way a moment ago
        db.session.rollback()
        return
    except Exception as error:  # a message must never stop the folder
        db.session.rollback()
        reason = f"it could not be processed ({type(error).__name__})"
        log.warning("mailbox %s: %s UID %s could not be processed", run.mailbox.id, role,
                    action.head.uid, exc_info=True)
    if reason is None:
        done.logged += 1
    elif reason:
        _skip(run, done, role, action.head, reason)


def _apply(run: _Run, action: Action, raw: bytes) -> str | None:
    """None when the message was logged, "" when it added nothing, else why it was skipped."""
    message, reason = parse_whole(raw, modern=action.kind == "outbound")
    if message is None:
        return reason
    head = action.head
    if action.kind == "outbound":
        assert isinstance(message, EmailMessage)
        logged = log_copy(run.user, message, head.message_id, head.references, action.partners)
        return None if logged.added else ""
    if head.synthetic_id:
        raw = with_message_id(raw, head.message_id)
    try:
        received = receive(raw, keep_unmatched=False)
    except DomainError as error:
        return error.message
    return None if received.message is not None and not received.duplicate else ""


def _skip(run: _Run, done: _Batch, role: str, head: Head, reason: str) -> None:
    folder = "INBOX" if role == "inbox" else "Sent"
    done.skipped += 1
    done.last_skipped = f"{folder} message {head.uid}: {reason}"
    log.info("mailbox %s: %s UID %s skipped: %s", run.mailbox.id, folder, head.uid, reason)


def _poll_seconds() -> int:
    return current_app.config["RAPPORT_MAILBOX_POLL_SECONDS"]


def _failed(run: _Run, message: str, kind: str) -> bool:
    db.session.rollback()
    mailbox = run.mailbox
    mailbox.status = "auth_failed" if kind == "auth" else "error"
    mailbox.last_error = message[:500]
    # A refused password is not tried again until the user saves it again: retrying could
    # lock the account at the provider.
    mailbox.next_sync_at = None if kind == "auth" else clock.now() + timedelta(
        seconds=_poll_seconds())
    db.session.commit()
    run.report.error = message
    run.report.finished = False
    log.info("mailbox %s: sync failed: %s", mailbox.id, message)
    return False


def _succeeded(run: _Run) -> bool:
    mailbox = run.mailbox
    now = clock.now()
    mailbox.status, mailbox.last_error = "ok", ""
    mailbox.last_synced_at = now
    mailbox.next_sync_at = now + timedelta(seconds=_poll_seconds())
    db.session.commit()
    return True
