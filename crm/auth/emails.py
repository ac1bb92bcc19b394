"""Emails about a person's own account (invitations, password resets), from the system sender.

They go through the outbox like every other email: queued in the caller's transaction,
dispatched after its commit. The link is the point of each, so it stands on its own line.
"""

from __future__ import annotations

from html import escape

from flask import current_app

from crm.models import OutboundEmail
from outreach.outbox import queue_email
from outreach.senders import system_sender


def link(path: str) -> str:
    """An absolute URL on RAPPORT_BASE_URL (emails are read outside the request that made them)."""
    return current_app.config["RAPPORT_BASE_URL"] + path


def queue_account_email(to_address: str, to_name: str, subject: str,
                        paragraphs: list[str], url: str) -> OutboundEmail:
    """Queue a short email: paragraphs, with `url` on a line of its own after the first."""
    first, *rest = paragraphs
    text = "\n\n".join([first, url, *rest]) + "\n"
    html = "".join([
        f"<p>{escape(first)}</p>",
        f'<p><a href="{escape(url)}">{escape(url)}</a></p>',
        *(f"<p>{escape(paragraph)}</p>" for paragraph in rest),
    ])
    return queue_email(to_address=to_address, to_name=to_name, subject=subject,
                       text_body=text, html_body=html, sender=system_sender())
