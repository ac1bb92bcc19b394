"""Previews of sequence steps: for a real partner in the editor, for a sample on the list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from crm.extensions import db
from crm.models import Client, Membership, Partner, Sequence
from crm.partners.queries import PartnerFilters, partner_query
from crm.sequences import templates_check
from outreach import email_templates
from outreach.email_templates import SAMPLE_CONTEXT, TemplateProblem
from outreach.messages import text_from_html
from outreach.personalize import Rendered, client_context, context_for

# Preview links must not work: a click in the preview must not unsubscribe the partner.
PREVIEW_UNSUBSCRIBE_PATH = "/unsubscribe/preview"
# What a template may use, for the editor's help: partner.first_name, client.name, …
VARIABLES = [
    f"{name}.{key}" for name, value in SAMPLE_CONTEXT.items() if isinstance(value, dict)
    for key in value
] + [name for name, value in SAMPLE_CONTEXT.items() if not isinstance(value, dict)]


@dataclass(frozen=True)
class Preview:
    """A rendered step, or the problems ({field: "line N: …"}) that stopped it."""

    rendered: Rendered | None
    problems: dict[str, str]


@dataclass(frozen=True)
class StepPreview:
    """How a step reads on the sequence page."""

    subject: str
    excerpt: str
    problem: str = ""


def preview_context(sequence: Sequence, partner: Partner | None) -> dict[str, Any]:
    """The variables a real send would use for this partner (sample values without one)."""
    if partner is None:
        return SAMPLE_CONTEXT
    url = current_app.config["RAPPORT_BASE_URL"] + PREVIEW_UNSUBSCRIBE_PATH
    return context_for(partner, partner.owner, sequence.client, url)


def preview(sequence: Sequence, partner: Partner | None, fields: Mapping[str, str]) -> Preview:
    """The step as this partner would receive it, or what is wrong with it, field by field."""
    found = templates_check.problems(fields)
    if found:
        return Preview(None, found)
    try:
        return Preview(templates_check.render(fields, preview_context(sequence, partner)), {})
    except TemplateProblem as problem:  # passed the sample check, failed on this partner
        return Preview(None, {"": str(problem)})


def sample_context(sequence: Sequence) -> dict[str, Any]:
    """The sample partner and manager, with the sequence's own client when it has one."""
    if sequence.client is None:
        return SAMPLE_CONTEXT
    return {**SAMPLE_CONTEXT, "client": client_context(sequence.client)}


def step_previews(sequence: Sequence) -> dict[int, StepPreview]:
    """step id → its subject and opening words, rendered for the sample partner."""
    context = sample_context(sequence)
    previews = {}
    for step in sequence.steps:
        try:
            subject = email_templates.render(step.subject, context, html=False)
            html = email_templates.render(step.html_body, context, html=True)
        except TemplateProblem as problem:
            previews[step.id] = StepPreview(step.subject, "", str(problem))
            continue
        excerpt = " ".join(text_from_html(html).split())
        previews[step.id] = StepPreview(" ".join(subject.split()), excerpt)
    return previews


def preview_partners(q: str, client: Client | None, limit: int = 20) -> list[Partner]:
    """Partners to preview with: search matches, else the client's members, else recent ones."""
    query = partner_query(PartnerFilters(q=q, sort="name" if q else "recent"))
    if not q and client is not None:
        members = query.where(Partner.memberships.any(Membership.client_id == client.id))
        found = list(db.session.scalars(members.limit(limit)))
        if found:
            return found
    return list(db.session.scalars(query.limit(limit)))
