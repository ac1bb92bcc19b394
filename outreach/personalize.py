"""Turning a sequence step into the email one partner receives (pure apart from the URL)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from crm.booking.links import partner_link
from outreach import email_templates
from outreach.messages import text_from_html


@dataclass(frozen=True)
class Rendered:
    subject: str
    html_body: str
    text_body: str


def first_name(name: str) -> str:
    return (name or "").strip().split(" ")[0] if name and name.strip() else "there"


def client_context(client: Any | None) -> dict[str, str]:
    """`program` reads right with or without a client ("the Summit Outdoor partner program",
    "our partner program"); `name` is empty without one."""
    if client is None:
        return {"name": "", "program": "our partner program", "website": ""}
    return {"name": client.name, "program": f"the {client.name} partner program",
            "website": client.website or ""}


def context_for(partner: Any, manager: Any | None, client: Any | None,
                unsubscribe_url: str, booking_link: str | None = None) -> dict[str, Any]:
    """Plain strings only: templates never see ORM objects.

    `booking_link` is the partner's own booking page, signed for `partner.id` unless given.
    """
    return {
        "partner": {
            "name": partner.name, "first_name": first_name(partner.name),
            "company": partner.company or "", "website": partner.website or "",
            "email": partner.email or "",
        },
        "manager": {
            "name": manager.name if manager else "The partnerships team",
            "first_name": first_name(manager.name) if manager else "the partnerships team",
            "email": manager.email if manager else "",
        },
        "client": client_context(client),
        "unsubscribe_url": unsubscribe_url,
        "booking_link": partner_link(partner.id) if booking_link is None else booking_link,
    }


def compose_context(partner: Any, manager: Any) -> dict[str, Any]:
    """For an email a manager writes to one partner: the client of their program when they
    are in exactly one, and no unsubscribe link (a personal email carries none)."""
    clients = [membership.client for membership in partner.memberships]
    return context_for(partner, manager, clients[0] if len(clients) == 1 else None, "")


def _footer(context: dict[str, Any], postal_address: str = "") -> tuple[str, str]:
    # Added by Rapport, not the template, so no edit can remove the way out (nor, for a
    # campaign, the sender's postal address that commercial email must carry).
    url = context["unsubscribe_url"]
    text = f"\n--\nDon't want these emails? Unsubscribe: {url}\n"
    html = (f'<p style="color:#777;font-size:12px">Don\'t want these emails? '
            f'<a href="{escape(url)}">Unsubscribe</a>.</p>')
    if postal_address.strip():
        lines = [line.strip() for line in postal_address.strip().splitlines() if line.strip()]
        text += "\n".join(lines) + "\n"
        html += ('<p style="color:#777;font-size:12px">'
                 + "<br>".join(escape(line) for line in lines) + "</p>")
    return text, html


def render_step(subject: str, html_body: str, text_body: str,
                context: dict[str, Any], postal_address: str = "") -> Rendered:
    """Render a step for one partner; raises TemplateProblem. A `postal_address` is added to
    the footer (campaign emails)."""
    html = email_templates.render(html_body, context, html=True)
    text = (email_templates.render(text_body, context, html=False) if text_body.strip()
            else text_from_html(html))
    footer_text, footer_html = _footer(context, postal_address)
    return Rendered(
        subject=" ".join(email_templates.render(subject, context, html=False).split())[:300],
        html_body=html + "\n" + footer_html,
        text_body=text.rstrip() + "\n" + footer_text,
    )
