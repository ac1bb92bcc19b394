"""Tiny builders for campaign tests."""

from __future__ import annotations

from email.utils import format_datetime, make_msgid
from typing import Any

from crm import clock
from crm.campaigns import service
from crm.models import Campaign, Client, User

STEP_ONE = {"delay_days": 0, "subject": "{{ client.name }} x {{ partner.company }}?",
            "subject_b": "Quick question, {{ partner.first_name }}",
            "html_body": "<p>Hi {{ partner.first_name }},</p><p>Would {{ partner.company }} "
                         "like to join {{ client.program }}?</p><p>{{ manager.name }}</p>"}
STEP_TWO = {"delay_days": 3, "subject": "Following up, {{ partner.first_name }}",
            "html_body": "<p>Just checking you saw my note about {{ client.name }}.</p>"}


def make_campaign(client: Client, owner: User, steps: tuple[dict, ...] = (STEP_ONE, STEP_TWO),
                  **fields: Any) -> Campaign:
    """A draft campaign with these steps, sending every day 00:00–23:59 unless told."""
    data = {"name": "Spring recruitment", "client_id": client.id, "owner_id": owner.id,
            "send_weekdays": list(range(7)), "send_from": "00:00", "send_until": "23:59",
            **fields}
    campaign = service.create_campaign(data, owner)
    for step in steps:
        service.add_step(campaign, step)
    return campaign


def reply(to_message_id: str, sender: str, subject: str, body: str = "Sounds good, tell me more.",
          headers: str = "") -> bytes:
    """A raw reply to one of our emails, as a mail client writes it."""
    return (f"From: {sender}\r\nTo: partners@rapport.example.com\r\n"
            f"Subject: Re: {subject}\r\nMessage-ID: {make_msgid(domain='publisher.example')}\r\n"
            f"In-Reply-To: {to_message_id}\r\nReferences: {to_message_id}\r\n"
            f"Date: {format_datetime(clock.now())}\r\n{headers}"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n\r\n> earlier text\r\n").encode()
