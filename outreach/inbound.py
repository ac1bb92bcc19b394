"""Classifying a raw inbound message (pure: bytes in, an `Inbound` description out).

What came back decides what Rapport does: a hard bounce or a spam complaint suppresses the
address, an auto-reply is only noted, a human reply stops the partner's sequences. This module
only reads the message; outreach.inbound_apply matches it to what we sent and acts on it.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses

from flufl.bounce import all_failures

from outreach.invites import Reply, parse_reply
from outreach.messages import one_line, text_from_html

MAX_BYTES = 10 * 1024 * 1024
EXCERPT_LIMIT = 10_000
MAX_REFERENCES = 50
# A message has at least one of these; bytes with none of them are not an email.
MESSAGE_HEADERS = ("From", "Date", "Message-ID", "Subject", "To", "Received", "Return-Path")

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder",
                      "X-Auto-Response-Suppress")
AUTO_REPLY_PRECEDENCE = ("auto_reply", "bulk", "junk")
AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto[- ]?reply|auto[- ]?response|autoresponder"
    r"|abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática"
    r"|risposta automatica)\b",
    re.IGNORECASE,
)
BOUNCE_SENDERS = ("mailer-daemon", "postmaster")
BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliver(ed|able)|delivery status notification|delivery (failure|has failed)"
    r"|mail delivery (failed|failure)|returned mail|failure notice|delayed mail"
    r"|non[- ]?delivery|unzustellbar|nicht zustellbar)",
    re.IGNORECASE,
)
# Where the reply's own words end and the quoted history begins.
ATTRIBUTION = re.compile(
    r"^(On\s.{1,300}?\swrote|Am\s.{1,300}?\sschrieb\s.{1,300}?|Le\s.{1,300}?\sa\s[ée]crit\s?"
    r"|El\s.{1,300}?\sescribi[óo])\s*:\s*$",
    re.MULTILINE | re.DOTALL | re.IGNORECASE,
)
OUTLOOK_SEPARATOR = re.compile(
    r"^(-{2,}\s*Original Message\s*-{2,}|_{20,}\s*\n\s*From:|From:\s.+\n\s*(Sent|Date):\s)",
    re.MULTILINE | re.IGNORECASE,
)


class NotAnEmail(ValueError):
    """The bytes are empty or are not an RFC 5322 message."""


@dataclass(frozen=True)
class Inbound:
    """What a raw message is, as far as Rapport cares."""

    kind: str  # reply | auto_reply | bounce | complaint | rsvp
    message_id: str  # its own Message-ID, "" when it has none
    # Message-IDs it refers to, most telling first: for a reply In-Reply-To then References
    # (newest first); for a bounce or complaint the returned message's own Message-ID first.
    references: tuple[str, ...]
    from_address: str  # lowercased
    subject: str
    permanent: tuple[str, ...] = ()  # hard-bounced or complaining addresses, lowercased
    temporary: tuple[str, ...] = ()  # soft-bounced addresses, lowercased
    auto_submitted: bool = False  # sent by a machine (auto-reply headers, bounce, report)
    excerpt: str = ""  # the plain-text body, quoted history removed
    diagnostic: str = ""  # what the bounce or complaint report says, one line per recipient
    sent_at: datetime | None = None  # its Date header, when that has a time zone
    reply: Reply | None = None  # an iMIP METHOD:REPLY to one of our invitations (rsvp)


def parse(raw: bytes) -> EmailMessage:
    """The message, or NotAnEmail when the bytes are empty or carry no message headers."""
    if not raw.strip():
        raise NotAnEmail("The message is empty.")
    try:
        message = BytesParser(policy=email.policy.default).parsebytes(raw)
    except Exception as error:  # the parser is lenient; anything it raises means unreadable
        raise NotAnEmail(f"The message cannot be parsed: {error}.") from error
    if not any(name in message for name in MESSAGE_HEADERS):
        raise NotAnEmail("This is not an email message: it has no From, Date, Message-ID, "
                         "Subject, To or Received header.")
    assert isinstance(message, EmailMessage)
    return message


def classify(raw: bytes) -> Inbound:
    """Parse and classify a raw RFC 5322 message; NotAnEmail when it is none."""
    message = parse(raw)
    report_type = (message.get_param("report-type", "") or "").lower()
    if message.get_content_type() == "multipart/report" and report_type == "feedback-report":
        return _complaint(message)
    if _looks_like_bounce(message, report_type):
        bounce = _bounce(message)
        if bounce is not None:
            return bounce
        # A report with no failure in it (delivered, relayed): machine mail, nothing bounced.
        return _described(message, "auto_reply", _reply_references(message), auto=True)
    reply = _calendar_reply(message)
    if reply is not None:
        return replace(_described(message, "rsvp", _reply_references(message), auto=True),
                       reply=reply)
    # Any other report (read receipts, RFC 8098) is machine mail too, never a person answering.
    auto = is_auto_reply(message) or message.get_content_type() == "multipart/report"
    return _described(message, "auto_reply" if auto else "reply", _reply_references(message),
                      auto=auto)


def _calendar_reply(message: Message) -> Reply | None:
    """The iMIP REPLY in a text/calendar part (inline or an .ics attachment), if any."""
    for part in message.walk():
        filename = (part.get_filename() or "").lower()
        if part.get_content_type() == "text/calendar" or filename.endswith(".ics") or (
                part.get_content_type() == "application/ics"):
            payload = part.get_payload(decode=True)
            reply = parse_reply(payload) if payload else None
            if reply is not None:
                return reply
    return None


def is_auto_reply(message: Message) -> bool:
    """True for out-of-office and other automatic answers (RFC 3834 and vendor headers)."""
    submitted = header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return True
    if any(name in message for name in AUTO_REPLY_HEADERS):
        return True
    if header(message, "Precedence").strip().lower() in AUTO_REPLY_PRECEDENCE:
        return True
    return bool(AUTO_REPLY_SUBJECT.search(header(message, "Subject")))


def header(message: Message, name: str) -> str:
    """A header as one line of text, "" when absent or unreadable."""
    try:
        value = message.get(name)
    except Exception:  # the stdlib's header parser has raised on hostile values before
        return ""
    return one_line(str(value)) if value is not None else ""


def message_ids(value: str) -> list[str]:
    """The angle-bracketed ids in a header value, in order."""
    return MESSAGE_ID.findall(value)


def new_text(text: str) -> str:
    """The reply's own words: quoted history under it removed when that is unambiguous."""
    text = text.replace("\r\n", "\n")
    cut = OUTLOOK_SEPARATOR.search(text)
    if cut is not None:
        own = text[:cut.start()]
    else:
        attribution = ATTRIBUTION.search(text)
        # Only when everything after "On … wrote:" is quoted; else it was answered inline.
        if attribution is not None and _all_quoted(text[attribution.end():]):
            own = text[:attribution.start()]
        else:
            own = text
    own = _without_trailing_quote(own).strip()
    return own or text.strip()


def _all_quoted(text: str) -> bool:
    return all(line.startswith(">") or not line.strip() for line in text.splitlines())


def _without_trailing_quote(text: str) -> str:
    lines = text.splitlines()
    while lines and (lines[-1].startswith(">") or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines)


def _described(message: EmailMessage, kind: str, references: list[str], *, auto: bool,
               permanent: tuple[str, ...] = (), temporary: tuple[str, ...] = (),
               diagnostic: str = "") -> Inbound:
    return Inbound(
        kind=kind, message_id=_own_message_id(message), references=tuple(_unique(references)),
        from_address=_first_address(header(message, "From")),
        subject=header(message, "Subject"), permanent=permanent, temporary=temporary,
        auto_submitted=auto, excerpt=new_text(body_text(message))[:EXCERPT_LIMIT],
        diagnostic=diagnostic, sent_at=_sent_at(message),
    )


def _own_message_id(message: Message) -> str:
    value = header(message, "Message-ID")
    ids = message_ids(value)
    return ids[0] if ids else value.strip()


def _reply_references(message: Message) -> list[str]:
    # References lists the thread oldest first; the newest is the most telling.
    return (message_ids(header(message, "In-Reply-To"))
            + list(reversed(message_ids(header(message, "References")))))


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))[:MAX_REFERENCES]


def _first_address(value: str) -> str:
    for _, address in getaddresses([value]):
        if "@" in address:
            return address.strip().lower()
    return ""


def _sent_at(message: Message) -> datetime | None:
    try:
        value = message.get("Date")
        moment = getattr(value, "datetime", None)
    except Exception:  # an unreadable Date is no Date
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def body_text(message: EmailMessage) -> str:
    """The plain-text body (or the HTML one made readable), "" when there is none."""
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    text = _decoded(part)
    return text_from_html(text) if part.get_content_type() == "text/html" else text


def _decoded(part: Message) -> str:
    try:
        return part.get_content()  # type: ignore[attr-defined]
    except (LookupError, UnicodeError, ValueError):  # unknown charset or broken encoding
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


# --- bounces -------------------------------------------------------------------------------


def _looks_like_bounce(message: Message, report_type: str) -> bool:
    # Bounce detectors guess from body text; run them only on mail that looks like a bounce.
    if message.get_content_type() == "multipart/report" and report_type == "delivery-status":
        return True
    sender = _first_address(header(message, "From")).split("@")[0]
    return sender in BOUNCE_SENDERS or bool(BOUNCE_SUBJECT.search(header(message, "Subject")))


def _bounce(message: EmailMessage) -> Inbound | None:
    temporary, permanent = (
        {address.decode("ascii").lower() for address in found} for found in all_failures(message)
    )
    if not temporary and not permanent:
        return None
    statuses = _delivery_statuses(message)
    # A DSN may say "failed" after giving up on a 4.x.x condition (mailbox full): that is soft.
    softened = {a for a in permanent if statuses.get(a, ("", ""))[0].startswith("4")}
    permanent -= softened
    temporary |= softened
    return _described(
        message, "bounce", _returned_message_ids(message) + _reply_references(message),
        auto=True, permanent=tuple(sorted(permanent)), temporary=tuple(sorted(temporary)),
        diagnostic=_diagnostic(permanent | temporary, statuses),
    )


def _diagnostic(addresses: set[str], statuses: dict[str, tuple[str, str]]) -> str:
    lines = []
    for address in sorted(addresses):
        status, detail = statuses.get(address, ("", ""))
        lines.append(" ".join(part for part in (f"{address}:", status, detail) if part))
    return "\n".join(lines)


def _delivery_statuses(message: Message) -> dict[str, tuple[str, str]]:
    """address → (Status, Diagnostic-Code) from the DSN's per-recipient blocks."""
    found: dict[str, tuple[str, str]] = {}
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status" or not part.is_multipart():
            continue
        for block in part.get_payload():
            recipient = header(block, "Original-Recipient") or header(block, "Final-Recipient")
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            if address:
                diagnostic = header(block, "Diagnostic-Code").split(";", 1)[-1].strip()
                found[address] = (header(block, "Status"), diagnostic)
    return found


def _returned_message_ids(message: Message) -> list[str]:
    """Message-IDs of the returned message (message/rfc822 or text/rfc822-headers parts)."""
    ids: list[str] = []
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822" and part.is_multipart():
            for inner in part.get_payload():
                ids += message_ids(header(inner, "Message-ID"))
        elif kind == "text/rfc822-headers":
            returned = HeaderParser(policy=email.policy.default).parsestr(_decoded(part))
            ids += message_ids(header(returned, "Message-ID"))
    if not ids:  # bounces in plain text (qmail, some Exims) quote the headers in the body
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                ids += re.findall(r"(?im)^Message-ID:\s*(<[^<>\s]+>)", _decoded(part))
    return ids


# --- complaints (ARF, RFC 5965) -------------------------------------------------------------


def _complaint(message: EmailMessage) -> Inbound:
    report = _feedback_report(message)
    addresses = [_first_address(header(report, "Original-Rcpt-To"))] if report else []
    if not any(addresses):
        addresses = [_first_address(header(inner, "To")) for inner in _returned(message)]
    permanent = tuple(sorted({a for a in addresses if a}))
    diagnostic = f"Feedback-Type: {header(report, 'Feedback-Type')}" if report else ""
    return _described(
        message, "complaint", _returned_message_ids(message) + _reply_references(message),
        auto=True, permanent=permanent, diagnostic=diagnostic,
    )


def _feedback_report(message: Message) -> Message | None:
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            if part.is_multipart():  # the parser reads the report fields as a header block
                return part.get_payload()[0]
            return HeaderParser(policy=email.policy.default).parsestr(_decoded(part))
    return None


def _returned(message: Message) -> list[Message]:
    return [inner for part in message.walk()
            if part.get_content_type() == "message/rfc822" and part.is_multipart()
            for inner in part.get_payload()]
