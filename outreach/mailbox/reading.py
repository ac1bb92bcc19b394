"""Reading mail from a manager's mailbox (pure): the few headers that decide what to do, and
whether a message can be read at all.

A sync first fetches only these headers for a whole batch; only messages that concern a
partner are then fetched whole. A message that cannot be read (headers that are not UTF-8,
no sender, a body not in its declared charset, larger than inbound mail may be) is kept out
and counted, never guessed at.
"""

from __future__ import annotations

import email.policy
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses

from outreach.inbound import MAX_BYTES, message_ids
from outreach.messages import one_line

# What the sync asks the server for first, per message.
HEADER_FIELDS = ("FROM", "TO", "CC", "BCC", "MESSAGE-ID", "IN-REPLY-TO", "REFERENCES",
                 "SUBJECT", "DATE", "CONTENT-TYPE")
RECIPIENT_HEADERS = ("To", "Cc", "Bcc")
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
SYNTHETIC_DOMAIN = "no-message-id.rapport.invalid"
# Headers a mail system adds for the address a copy was delivered to (a BCC has no header).
DELIVERY_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To")


@dataclass(frozen=True)
class Head:
    """One message as its headers describe it; `problem` says why it cannot be read."""

    uid: int
    size: int
    from_address: str = ""
    recipients: tuple[str, ...] = ()
    message_id: str = ""
    # Message-IDs it refers to, oldest first (References, then In-Reply-To).
    references: tuple[str, ...] = ()
    multipart_report: bool = False
    problem: str | None = None
    # True when the message had no Message-ID and `message_id` was derived from its headers.
    synthetic_id: bool = False

    @property
    def looks_like_bounce(self) -> bool:
        return self.multipart_report or self.from_address.split("@")[0] in BOUNCE_SENDERS

    def addresses(self) -> set[str]:
        return {self.from_address, *self.recipients} - {""}


def addresses_in(message: Message, names: Iterable[str]) -> list[str]:
    """The lowercased addr-specs in these headers, in order, without repeats."""
    values = [str(value) for name in names for value in (message.get_all(name) or [])]
    found = [address.strip().lower() for _, address in getaddresses(values) if "@" in address]
    return list(dict.fromkeys(found))


def read_head(uid: int, size: int, header_bytes: bytes) -> Head:
    """The Head of a message from its header block (as FETCH BODY[HEADER.FIELDS] gives it)."""
    try:
        text = header_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return Head(uid, size, problem="its headers are not UTF-8")
    message = HeaderParser(policy=email.policy.compat32).parsestr(text)
    senders = addresses_in(message, ("From",))
    if not senders:
        return Head(uid, size, problem="it has no sender address")
    own_id = message_ids(one_line(message.get("Message-ID", "")))
    references = message_ids(one_line(message.get("References", "")))
    references += message_ids(one_line(message.get("In-Reply-To", "")))
    synthetic = not own_id
    message_id = own_id[0] if own_id else derived_id(header_bytes)
    content_type = (message.get_content_type() or "").lower()
    return Head(uid, size, senders[0], tuple(addresses_in(message, RECIPIENT_HEADERS)),
                message_id, tuple(dict.fromkeys(references)),
                multipart_report=content_type == "multipart/report", synthetic_id=synthetic)


def derived_id(header_bytes: bytes) -> str:
    """A stable Message-ID for a message without one, so reading it again finds it again."""
    return f"<{hashlib.sha256(header_bytes).hexdigest()[:32]}@{SYNTHETIC_DOMAIN}>"


def too_large(head: Head) -> bool:
    return head.size > MAX_BYTES


def parse_whole(raw: bytes, modern: bool = True) -> tuple[Message | None, str | None]:
    """The parsed message, or the reason it cannot be read.

    `modern=False` parses with compat32, four times cheaper, when only the check matters
    (the inbound path parses the message again itself).
    """
    policy = email.policy.default if modern else email.policy.compat32
    try:
        message = BytesParser(policy=policy).parsebytes(raw)
    except Exception:  # the parser is lenient; anything it raises means unreadable
        return None, "it cannot be parsed"
    reason = _undecodable_text(message)
    return (None, reason) if reason else (message, None)


def _undecodable_text(message: Message) -> str | None:
    """Why a text part does not decode in the charset it declares, if one does not."""
    for part in message.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        charset = part.get_content_charset() or "us-ascii"
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        try:
            payload.decode("utf-8" if charset in ("us-ascii", "ascii") else charset)
        except LookupError:
            return f"its text is in an unknown charset ({one_line(charset)[:40]})"
        except UnicodeDecodeError:
            return f"its text is not valid {one_line(charset)[:40]}"
    return None


def with_message_id(raw: bytes, message_id: str) -> bytes:
    """The raw message with a Message-ID header in front (for one that had none)."""
    return f"Message-ID: {message_id}\r\n".encode() + raw


def sent_at(message: Message) -> datetime | None:
    """The Date header, when it has a time zone."""
    try:
        moment = getattr(message.get("Date"), "datetime", None)
    except Exception:  # an unreadable Date is no Date
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


_TOKEN = re.compile(r"^[a-z0-9]{8,32}$")


def plus_token(address: str, local: str, domain: str) -> str | None:
    """The token of <local>+<token>@<domain>, when the address is one (case-insensitive)."""
    name, _, host = address.lower().rpartition("@")
    if host != domain.lower() or "+" not in name:
        return None
    base, _, token = name.rpartition("+")
    return token if base == local.lower() and _TOKEN.match(token) else None
