"""A real SMTP server on loopback (aiosmtpd) that records what it receives.

Replies can be scripted per recipient to test retries (451) and bounces (550) for real.
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.services import free_port


@dataclass
class SinkHandler:
    received: list[EmailMessage] = field(default_factory=list)
    # The bytes of each message exactly as they arrived, beside the parsed ones.
    raw: list[bytes] = field(default_factory=list)
    connections: int = 0
    # recipient → queue of replies for RCPT TO; an empty queue accepts.
    rcpt_replies: dict[str, deque[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            replies = self.rcpt_replies.get(address.lower())
            reply = replies.popleft() if replies else None
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append(message)
            self.raw.append(envelope.content)
        return "250 Message accepted for delivery"


class SmtpSink:
    """Start/stop wrapper; `url` is what RAPPORT_SMTP_URL would be."""

    def __init__(self, **smtp_options) -> None:
        self.handler = SinkHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **smtp_options)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received

    def reply_to_rcpt(self, address: str, *replies: str) -> None:
        self.handler.rcpt_replies[address.lower()] = deque(replies)

    def start(self) -> SmtpSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
