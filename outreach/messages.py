"""Building the RFC 5322 message for an outbox row (pure: row values in, bytes out).

`render_message` produces the bytes the SMTP server receives, with the standard library's
legacy (`compat32`) message classes: they store headers as given, so a message costs about
0.1 ms to render instead of the 1.5 ms the modern `EmailMessage` spends parsing back every
header it is handed. That parsing is also what kept every value safe, so here each value is
made safe before it is set: names and subjects lose line breaks and controls, addresses must
be plain addr-specs, non-ASCII text is RFC 2047 encoded. Pages that show an email parse those
bytes back (`WireMessage.parsed`), so there is one way to build one.

The rendering is deterministic (the MIME boundary comes from the Message-ID), so a re-send in
the outbox's duplicate window is byte-for-byte the first send.
"""

from __future__ import annotations

import binascii
import hashlib
import html
import re
import uuid
from base64 import encodebytes
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import Header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import format_datetime, formataddr

# Headers Rapport itself sets; anything else in a row's `headers` is refused.
ALLOWED_EXTRA_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To", "References",
                         "In-Reply-To", "Auto-Submitted")
# A bare addr-spec: no spaces, controls, quotes, brackets or list separators. Unicode is
# allowed (email-validator accepts internationalised addresses; they need SMTPUTF8).
ADDR_SPEC = re.compile(r'[^\s@<>()\[\],;:"\\\x00-\x1f\x7f]+@[^\s@<>()\[\],;:"\\\x00-\x1f\x7f]+')
# RFC 5322 recommends 78 characters per line, and allows 998 plus CRLF.
SHORT_LINE = 78
MAX_LINE = 1000


@dataclass(frozen=True)
class Envelope:
    """What an outbox row says about one email."""

    from_address: str
    from_name: str
    to_address: str
    to_name: str
    subject: str
    text_body: str
    html_body: str
    message_id: str
    date: datetime
    headers: dict[str, str] = field(default_factory=dict)
    # An iMIP invitation (RFC 6047): the VCALENDAR text and its METHOD.
    calendar: str = ""
    calendar_method: str = ""


@dataclass(frozen=True)
class WireMessage:
    """One email as SMTP carries it: the envelope's two addresses and the message bytes."""

    sender: str
    recipient: str
    data: bytes

    @property
    def international(self) -> bool:
        """A non-ASCII address needs the server's SMTPUTF8 extension (RFC 6531)."""
        return not (self.sender.isascii() and self.recipient.isascii())

    def parsed(self) -> EmailMessage:
        """The bytes read back as a modern `EmailMessage`, for showing and for tests.

        Lines end in LF, as in any message the library builds; the wire's CRLF would
        otherwise stay in every decoded text part.
        """
        return BytesParser(policy=policy.default).parsebytes(self.data.replace(b"\r\n", b"\n"))


class _WirePolicy(policy.Compat32):
    """compat32 with CRLF line ends, writing a header that fits on one line as it is.

    The library folds every header through `email.header.Header`, which costs more than the
    rest of the message, and it moves a long token such as an unsubscribe URL to a line of
    its own. RFC 5322 only requires lines under 998 octets, so any plain value up to that is
    written unchanged; encoded text (a `Header`) is still folded by the library. A non-ASCII
    string here can only be an address of an SMTPUTF8 message, carried as UTF-8 (RFC 6532).
    """

    def fold_binary(self, name: str, value) -> bytes:
        if isinstance(value, str):
            # Every value was cleaned before it was set; this is the last line of defence,
            # since compat32 itself writes a line break in a value as given.
            if "\r" in value or "\n" in value:
                raise ValueError(f"the {name} header contains a line break")
            line = f"{name}: {value}\r\n".encode()
            if len(line) <= MAX_LINE:
                return line
        return super().fold_binary(name, value)


WIRE = _WirePolicy(linesep="\r\n")


def display_name(name: str) -> str:
    """A name safe for an address header: no line breaks, quotes, angle brackets or controls."""
    cleaned = re.sub(r"[\x00-\x1f\x7f\"<>\\]+", " ", name or "")
    return " ".join(cleaned.split())[:200]


def one_line(value: str) -> str:
    """Header text on one line: CR/LF and other controls become spaces."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]+", " ", value or "").split())


def new_message_id(domain: str) -> str:
    """A globally unique Message-ID for `domain`."""
    return f"<{uuid.uuid4().hex}@{domain}>"


_SCRIPTS = re.compile(r"(?is)<(script|style).*?</\1>")
_LINE_BREAKS = re.compile(r"(?i)<br\s*/?>")
_BLOCK_ENDS = re.compile(r"(?i)</(p|div|h[1-6]|li|tr)>")
_LINKS = re.compile(r'(?i)<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>')
_TAGS = re.compile(r"<[^>]+>")


def text_from_html(markup: str) -> str:
    """A readable plain-text part from HTML, for steps without a written text part."""
    text = _SCRIPTS.sub("", markup)
    text = _LINE_BREAKS.sub("\n", text)
    text = _BLOCK_ENDS.sub("\n\n", text)
    text = _LINKS.sub(r"\2 (\1)", text)
    text = _TAGS.sub("", text)
    text = html.unescape(text)
    text = "\n".join([" ".join(line.split()) for line in text.splitlines()])
    # At most one blank line in a row. str.replace until none is left is the same as
    # re.sub(r"\n{3,}", "\n\n") and a third of the cost; the tick derives 10,000 of these.
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"


def render_message(envelope: Envelope) -> WireMessage:
    """The message as the recipient will receive it: text and HTML alternatives.

    An invitation adds the calendar as a third alternative, inline, with the MIME `method`
    equal to its METHOD (Gmail shows Accept/Decline only for an inline part; Outlook rejects
    a mismatch), and the same calendar as an `invite.ics` attachment for clients that only
    look at attachments. Raises ValueError for a value that cannot be put in a header.
    """
    seed = hashlib.sha256(envelope.message_id.encode()).hexdigest()[:24]
    parts = [_text_part(envelope.text_body or text_from_html(envelope.html_body), "plain")]
    if envelope.html_body:
        parts.append(_text_part(envelope.html_body, "html"))
    if envelope.calendar:
        parts.append(_calendar_part(envelope.calendar, envelope.calendar_method))
    body = parts[0] if len(parts) == 1 else _multipart("alternative", parts, seed)
    if envelope.calendar:
        body = _multipart("mixed", [body, _attachment(envelope.calendar, "invite.ics")], seed)
    message = Message()
    message["From"] = _mailbox(envelope.from_name, envelope.from_address)
    message["To"] = _mailbox(envelope.to_name, envelope.to_address)
    message["Subject"] = _text(one_line(envelope.subject))
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = one_line(envelope.message_id)
    message["MIME-Version"] = "1.0"
    for name, value in envelope.headers.items():
        if name not in ALLOWED_EXTRA_HEADERS:
            raise ValueError(f"header {name!r} may not be set on an outbound email")
        message[name] = _text(one_line(value))
    for name, value in body.items():
        message[name] = value
    message.set_payload(body.get_payload())
    return WireMessage(envelope.from_address, envelope.to_address,
                       message.as_bytes(policy=WIRE))


def _mailbox(name: str, address: str) -> str:
    if not ADDR_SPEC.fullmatch(address or ""):
        raise ValueError(f"{address!r} is not an email address that can be sent to")
    name = display_name(name)
    if address.isascii():
        return formataddr((name, address), charset="utf-8")
    # SMTPUTF8: the whole header is UTF-8 (RFC 6532), so the name needs no encoded words.
    return f'"{name}" <{address}>' if name else address


def _text(value: str) -> str | Header:
    return value if value.isascii() else Header(value, "utf-8")


def _text_part(body: str, subtype: str) -> Message:
    body = body.replace("\r\n", "\n")
    if not body.endswith("\n"):
        body += "\n"
    if body.isascii() and max(map(len, body.split("\n"))) <= SHORT_LINE:
        return _part(f'text/{subtype}; charset="us-ascii"', "7bit", body)
    # Quoted-printable keeps mostly-ASCII text readable and every line short.
    return _part(f'text/{subtype}; charset="utf-8"', "quoted-printable",
                 binascii.b2a_qp(body.encode(), istext=True).decode("ascii"))


def _calendar_part(calendar: str, method: str) -> Message:
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"unexpected calendar method {method!r}")
    return _part(f'text/calendar; method="{method}"; charset="UTF-8"', "base64",
                 encodebytes(calendar.encode()).decode("ascii"))


def _attachment(calendar: str, filename: str) -> Message:
    part = _part("application/ics", "base64", encodebytes(calendar.encode()).decode("ascii"))
    part["Content-Disposition"] = f'attachment; filename="{filename}"'
    return part


def _part(content_type: str, encoding: str, payload: str) -> Message:
    part = Message()
    part["Content-Type"] = content_type
    part["Content-Transfer-Encoding"] = encoding
    part.set_payload(payload)
    return part


def _multipart(subtype: str, parts: list[Message], seed: str) -> Message:
    """A container whose boundary comes from the Message-ID and is found in none of its parts.

    Quoted-printable and base64 text cannot contain "=_"; plain ASCII parts are checked. The
    subtype in the name keeps a nested container's boundary from starting with its parent's.
    """
    texts = [leaf.get_payload() for part in parts for leaf in part.walk()
             if not leaf.is_multipart()]
    boundary, n = f"=_{seed}_{subtype}", 0
    while any(boundary in text for text in texts):
        n += 1
        boundary = f"=_{seed}_{subtype}{n}"
    container = Message()
    container["Content-Type"] = f'multipart/{subtype}; boundary="{boundary}"'
    container.set_payload(parts)
    return container
