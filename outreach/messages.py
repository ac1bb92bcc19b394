"""Building the RFC 5322 message for an outbox row (pure: row values in, EmailMessage out)."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

# Headers Rapport itself sets; anything else in a row's `headers` is refused.
ALLOWED_EXTRA_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To", "References",
                         "In-Reply-To", "Auto-Submitted")


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


def text_from_html(markup: str) -> str:
    """A readable plain-text part from HTML, for steps without a written text part."""
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", markup)
    text = re.sub(r"(?i)<br\s*/?>", "\n", text)
    text = re.sub(r"(?i)</(p|div|h[1-6]|li|tr)>", "\n\n", text)
    text = re.sub(r'(?i)<a\s[^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = html.unescape(text)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def build_message(envelope: Envelope) -> EmailMessage:
    """The message as the recipient will receive it: text and HTML alternatives.

    An invitation adds the calendar as a third alternative, inline, with the MIME `method`
    equal to its METHOD (Gmail shows Accept/Decline only for an inline part; Outlook rejects
    a mismatch), and the same calendar as an `invite.ics` attachment for clients that only
    look at attachments.
    """
    message = EmailMessage()
    message["From"] = Address(display_name(envelope.from_name), addr_spec=envelope.from_address)
    message["To"] = Address(display_name(envelope.to_name), addr_spec=envelope.to_address)
    message["Subject"] = one_line(envelope.subject)
    message["Date"] = format_datetime(envelope.date)
    message["Message-ID"] = envelope.message_id
    message["MIME-Version"] = "1.0"
    for name, value in envelope.headers.items():
        if name not in ALLOWED_EXTRA_HEADERS:
            raise ValueError(f"header {name!r} may not be set on an outbound email")
        message[name] = one_line(value)
    message.set_content(envelope.text_body or text_from_html(envelope.html_body))
    if envelope.html_body:
        message.add_alternative(envelope.html_body, subtype="html")
    if envelope.calendar:
        _add_invitation(message, envelope.calendar, envelope.calendar_method)
    return message


def _add_invitation(message: EmailMessage, calendar: str, method: str) -> None:
    if method not in ("REQUEST", "CANCEL", "PUBLISH"):
        raise ValueError(f"unexpected calendar method {method!r}")
    message.add_alternative(calendar.encode(), maintype="text", subtype="calendar",
                            params={"method": method, "charset": "UTF-8"}, cte="base64")
    message.make_mixed()
    message.add_attachment(calendar.encode(), maintype="application", subtype="ics",
                           filename="invite.ics", cte="base64")
