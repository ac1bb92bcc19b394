"""Receiving an inbound message: keep it (always), match it to what we sent, act on it.

Every message is stored as an InboundMessage with its raw text, whatever it turns out to be.
The same message delivered twice (same Message-ID) is stored and applied once. What it does:

- reply: an inbound email on the partner's timeline; the partner's sequences stop (`reply`).
- auto_reply: a system event on the timeline; the sequence goes on.
- bounce: a permanent failure suppresses the address (which stops the sequences) and marks
  the email bounced; a temporary one is only noted on the timeline.
- complaint (ARF): the address is suppressed. Stored with kind `bounce`, the model's nearest.

A message that refers to nothing we sent and comes from no partner (or that is our own side
of the thread) is kept as `unmatched` and changes nothing else. Bounces and complaints must
match an email we sent (by Message-ID, or by the bounced address) before they suppress
anything, so forged or stray reports cannot silence a partner.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from crm import clock
from crm.errors import DomainError, InvalidInput
from crm.extensions import db
from crm.models import InboundMessage, OutboundEmail, Partner
from crm.partners.service import SUMMARY_LIMIT, log_interaction, record_event
from outreach.campaign_stops import on_reply, stop_campaigns
from outreach.inbound import MAX_BYTES, Inbound, NotAnEmail, classify
from outreach.meetings import apply_reply
from outreach.suppressions import stop_enrollments, suppress


class MessageTooLarge(DomainError):
    """The message is larger than Rapport accepts."""

    code = "request_entity_too_large"
    status = 413


@dataclass
class Received:
    """The stored message and what receiving it did; a duplicate did nothing.

    `message` is None for what is not kept: a copy sent to a BCC address (logged on the
    timeline instead, see outreach.mailbox.bcc) and, for a mailbox sync, mail that concerns
    no partner.
    """

    message: InboundMessage | None
    effects: list[str] = field(default_factory=list)
    duplicate: bool = False
    kind: str = ""
    partner_id: int | None = None

    def as_dict(self) -> dict[str, object]:
        """The API's answer: id, kind, partner_id, outbound_email_id, effects, duplicate."""
        message = self.message
        if message is None:
            return {"id": None, "kind": self.kind, "partner_id": self.partner_id,
                    "outbound_email_id": None, "effects": self.effects,
                    "duplicate": self.duplicate}
        return {"id": message.id, "kind": message.kind, "partner_id": message.partner_id,
                "outbound_email_id": message.outbound_email_id, "effects": self.effects,
                "duplicate": self.duplicate}


def receive(raw: bytes, *, keep_unmatched: bool = True) -> Received:
    """Store, match and apply one raw RFC 5322 message in one transaction; a repeat is a no-op.

    With `keep_unmatched=False` (a mailbox sync reading the manager's own mail) a message
    that matches no partner, or cannot be read, is not stored at all.
    """
    if len(raw) > MAX_BYTES:
        raise MessageTooLarge(f"The message is larger than {MAX_BYTES // (1024 * 1024)} MB.",
                              {"message": "is too large"})
    if not raw.strip():
        raise InvalidInput("The message is empty.", {"message": "is empty"})
    copy = _bcc_copy(raw)
    if copy is not None:
        return copy
    try:
        inbound = classify(raw)
    except NotAnEmail as problem:
        if not keep_unmatched:
            raise InvalidInput(str(problem), {"message": str(problem)}) from problem
        kept = _keep_unreadable(raw)
        raise InvalidInput(f"{problem} It was kept as inbound message #{kept.id}.",
                           {"message": str(problem)}) from problem
    _lock(inbound.message_id)
    earlier = _already_received(inbound.message_id)
    if earlier is not None:
        db.session.rollback()  # nothing written; ends the transaction and its lock
        return Received(earlier, duplicate=True)
    stored = _store(raw, inbound)
    effects = APPLY[inbound.kind](inbound, stored)
    if stored.kind == "unmatched":
        if not keep_unmatched:
            db.session.rollback()  # _unmatched wrote nothing else: the message is not kept
            return Received(None, kind="unmatched")
        db.session.commit()
    return Received(stored, effects)


def _bcc_copy(raw: bytes) -> Received | None:
    """A copy sent to a user's BCC address, logged as their email; None for any other mail."""
    from outreach.mailbox.bcc import log_bcc_copy  # the mailbox package builds on this module

    logged = log_bcc_copy(raw)
    if logged is None:
        return None
    return Received(None, logged.effects, duplicate=logged.duplicate, kind="bcc_copy",
                    partner_id=logged.partner_ids[0] if logged.partner_ids else None)


def raw_text(raw: bytes) -> str:
    """The bytes as storable text: UTF-8, else Latin-1 (lossless), without NULs."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL


def _keep_unreadable(raw: bytes) -> InboundMessage:
    stored = InboundMessage(kind="unmatched", raw=raw_text(raw), received_at=clock.now())
    db.session.add(stored)
    db.session.commit()
    return stored


def _lock(message_id: str) -> None:
    """Serialise two deliveries of one message on PostgreSQL (SQLite has one writer anyway)."""
    if message_id and db.session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(message_id.encode()).digest()[:8], signed=True)
        db.session.execute(select(func.pg_advisory_xact_lock(key)))


def _already_received(message_id: str) -> InboundMessage | None:
    if not message_id:
        return None
    return db.session.scalar(
        select(InboundMessage).where(InboundMessage.message_id == message_id[:255])
        .order_by(InboundMessage.id).limit(1)
    )


def _store(raw: bytes, inbound: Inbound) -> InboundMessage:
    stored = InboundMessage(
        kind=inbound.kind, message_id=inbound.message_id[:255],
        from_address=inbound.from_address[:254], subject=inbound.subject[:300],
        raw=raw_text(raw), received_at=clock.now(),
    )
    db.session.add(stored)
    return stored


# --- matching ------------------------------------------------------------------------------


def sent_email(references: tuple[str, ...]) -> OutboundEmail | None:
    """The email of ours the message refers to, taking the references in order."""
    if not references:
        return None
    rows = {row.message_id: row for row in db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.message_id.in_(references)))}
    return next((rows[ref] for ref in references if ref in rows), None)


def partner_with_address(address: str) -> Partner | None:
    """The partner whose email this is (case-insensitive), if any."""
    key = address.strip().lower()
    return db.session.scalar(select(Partner).where(Partner.email_key == key)) if key else None


def last_sent_to(addresses: tuple[str, ...]) -> OutboundEmail | None:
    """The most recent email we sent to one of these addresses (through its partner)."""
    for address in addresses:
        partner = partner_with_address(address)
        if partner is None:
            continue
        row = db.session.scalar(
            select(OutboundEmail)
            .where(OutboundEmail.partner_id == partner.id,
                   func.lower(OutboundEmail.to_address) == address,
                   OutboundEmail.status.in_(("sent", "bounced")))
            .order_by(OutboundEmail.sent_at.desc(), OutboundEmail.id.desc()).limit(1)
        )
        if row is not None:
            return row
    return None


def _link(stored: InboundMessage, partner: Partner | None, sent: OutboundEmail | None) -> None:
    stored.partner_id = partner.id if partner else (sent.partner_id if sent else None)
    stored.outbound_email_id = sent.id if sent else None


def _unmatched(stored: InboundMessage) -> list[str]:
    """Nothing matched: receive() commits the stored message, or drops it (a mailbox sync)."""
    stored.kind = "unmatched"
    stored.partner_id = stored.outbound_email_id = None
    return []


def _correspondent(inbound: Inbound) -> tuple[Partner | None, OutboundEmail | None, list[str]]:
    """Who wrote: the partner of the email it answers, else the partner with its From address."""
    sent = sent_email(inbound.references)
    if sent is not None and inbound.from_address == sent.from_address.lower():
        return None, None, []  # our own side of the thread (a manager's copy), not an answer
    if sent is not None and sent.partner is not None:
        return sent.partner, sent, []
    partner = partner_with_address(inbound.from_address)
    return partner, sent, (["matched_by_address"] if partner else [])


# --- effects -------------------------------------------------------------------------------


def _apply_reply(inbound: Inbound, stored: InboundMessage) -> list[str]:
    partner, sent, effects = _correspondent(inbound)
    if partner is None:
        return _unmatched(stored)
    _link(stored, partner, sent)
    campaigns = stop_campaigns(partner.id, "reply")
    stopped = stop_enrollments(partner.id, "reply") + campaigns
    if stopped:
        effects.append(f"enrollments_stopped:{stopped}")
    effects.extend(on_reply(partner, campaigns))
    # log_interaction commits: it is the last write, so the whole message applies at once.
    log_interaction(partner, None, "email", _summary(inbound.subject), inbound.excerpt,
                    occurred_at=_occurred_at(inbound.sent_at), direction="inbound",
                    message_id=inbound.message_id, references=inbound.references[::-1])
    return ["reply_logged", *effects]


def _apply_auto_reply(inbound: Inbound, stored: InboundMessage) -> list[str]:
    partner, sent, effects = _correspondent(inbound)
    if partner is None:
        return _unmatched(stored)
    _link(stored, partner, sent)
    record_event(partner, f"Auto-reply received: {inbound.subject or '(no subject)'}",
                 inbound.excerpt)
    db.session.commit()
    return ["auto_reply_logged", *effects]


def _apply_bounce(inbound: Inbound, stored: InboundMessage) -> list[str]:
    sent = sent_email(inbound.references) or last_sent_to(inbound.permanent + inbound.temporary)
    if sent is None:
        return _unmatched(stored)
    partner = sent.partner or partner_with_address(sent.to_address)
    _link(stored, partner, sent)
    detail = inbound.diagnostic or inbound.subject
    effects = [_suppressed(address, "hard_bounce", detail) for address in inbound.permanent]
    if inbound.permanent and sent.status == "sent":
        sent.status, sent.last_error = "bounced", detail[:2000]
        if partner is not None:
            record_event(partner, f"Email bounced: {sent.subject}", detail)
        effects.append(f"email_bounced:{sent.id}")
    for address in inbound.temporary:
        if partner is not None:
            record_event(partner, f"Delivery delayed (soft bounce): {address}", detail)
        effects.append(f"soft_bounce_logged:{address}")
    db.session.commit()
    return effects


def _apply_complaint(inbound: Inbound, stored: InboundMessage) -> list[str]:
    sent = sent_email(inbound.references) or last_sent_to(inbound.permanent)
    if sent is None:
        return _unmatched(stored)
    _link(stored, sent.partner or partner_with_address(sent.to_address), sent)
    # The reported email names the recipient; feedback loops often redact it in the report.
    effect = _suppressed(sent.to_address.lower(), "complaint",
                         inbound.diagnostic or inbound.subject)
    db.session.commit()
    return [effect]


def _suppressed(address: str, reason: str, detail: str) -> str:
    if suppress(address, reason, detail, commit=False):
        return f"suppressed:{address}"
    return f"already_suppressed:{address}"


def _summary(subject: str) -> str:
    return (subject.strip() or "(no subject)")[:SUMMARY_LIMIT]


def _occurred_at(sent_at: datetime | None) -> datetime:
    """When the partner wrote, by their Date header, but never in the future."""
    now = clock.now()
    return min(sent_at, now).astimezone(UTC) if sent_at is not None else now


def _apply_rsvp(inbound: Inbound, stored: InboundMessage) -> list[str]:
    """A partner's Accept / Tentative / Decline; from anyone else it changes nothing."""
    meeting, effect = apply_reply(inbound.reply)
    if meeting is None:
        return _unmatched(stored)
    if effect != "rsvp_not_from_attendee":
        stored.partner_id = meeting.partner_id
    db.session.commit()
    return [effect]


APPLY: dict[str, Callable[[Inbound, InboundMessage], list[str]]] = {
    "reply": _apply_reply,
    "auto_reply": _apply_auto_reply,
    "bounce": _apply_bounce,
    "complaint": _apply_complaint,
    "rsvp": _apply_rsvp,
}
