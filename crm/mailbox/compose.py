"""Writing one email to a partner from their page: new, or a reply that threads.

The email goes through the outbox like every other (queue_email, then dispatch after the
commit), sent as the manager: from their connected mailbox's address and SMTP server when they
have one, else from the system sender (outreach.senders.sender_for). It is on the partner's
timeline at once, with its Message-ID, so the thread groups and its delivery state shows;
the outbox adds no second entry when it is sent. A reply carries In-Reply-To and References,
so it threads in the partner's mail client too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from crm.errors import InvalidInput, NotFound
from crm.extensions import db
from crm.mailbox.snippets import snippet_for, visible_snippets
from crm.models import Interaction, Partner, Sequence, SequenceStep, User
from crm.partners.service import log_interaction
from crm.partners.threads import reply_references
from outreach import email_templates
from outreach.dispatch import dispatch_emails
from outreach.email_templates import TemplateProblem
from outreach.messages import one_line, text_from_html
from outreach.outbox import queue_email
from outreach.personalize import compose_context
from outreach.senders import sender_for
from outreach.suppressions import is_suppressed

SUBJECT_LIMIT = 300
BODY_LIMIT = 50_000
REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|antw)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Draft:
    """What the compose form holds."""

    subject: str = ""
    body: str = ""
    reply_to_id: int | None = None


def reply_subject(subject: str) -> str:
    """"Re: " before the subject, unless it already has one."""
    subject = one_line(subject) or "(no subject)"
    return subject if REPLY_PREFIX.match(subject) else f"Re: {subject}"[:SUBJECT_LIMIT]


def thread_email(partner: Partner, interaction_id: int) -> Interaction:
    """An email on this partner's timeline that can be answered (it has a Message-ID)."""
    entry = db.session.get(Interaction, interaction_id)
    if (entry is None or entry.partner_id != partner.id or entry.kind != "email"
            or not entry.message_id):
        raise NotFound("That email is not on this partner's timeline.")
    return entry


def reply_draft(partner: Partner, interaction_id: int) -> Draft:
    """A reply to a timeline email: its subject with "Re:", nothing written yet."""
    parent = thread_email(partner, interaction_id)
    return Draft(reply_subject(parent.summary), "", parent.id)


def insert_choices(user: User) -> list[tuple[str, str]]:
    """(value, label) of what can be inserted: snippets, then saved sequence steps."""
    choices = [(f"snippet:{s.id}", f"Snippet: {s.name}{' (shared)' if s.shared else ''}")
               for s in visible_snippets(user)]
    steps = db.session.execute(
        select(SequenceStep.id, SequenceStep.position, SequenceStep.subject, Sequence.name)
        .join(Sequence, Sequence.id == SequenceStep.sequence_id)
        .order_by(Sequence.name, SequenceStep.position)).all()
    choices += [(f"step:{row.id}", f"{row.name}, step {row.position}: {row.subject}"[:200])
                for row in steps]
    return choices


def insert(partner: Partner, user: User, draft: Draft, choice: str) -> Draft:
    """The draft with a snippet or template added (rendered for this partner) at its end."""
    subject, text = _rendered(partner, user, choice)
    body = f"{draft.body.rstrip()}\n\n{text}" if draft.body.strip() else text
    return Draft(draft.subject or subject, body.strip() + "\n", draft.reply_to_id)


def _rendered(partner: Partner, user: User, choice: str) -> tuple[str, str]:
    kind, _, raw_id = (choice or "").partition(":")
    if not raw_id.isdigit() or kind not in ("snippet", "step"):
        raise InvalidInput("Choose a snippet or template to insert.", {"insert": "choose one"})
    context = compose_context(partner, user)
    try:
        if kind == "snippet":
            snippet = snippet_for(user, int(raw_id))
            return "", email_templates.render(snippet.body, context, html=False)
        step = db.session.get(SequenceStep, int(raw_id))
        if step is None:
            raise NotFound("No such template.")
        subject = email_templates.render(step.subject, context, html=False)
        if step.text_body.strip():
            return one_line(subject), email_templates.render(step.text_body, context, html=False)
        html = email_templates.render(step.html_body, context, html=True)
        return one_line(subject), text_from_html(html)
    except TemplateProblem as problem:
        raise InvalidInput(f"The template cannot be used for {partner.name}: {problem}",
                           {"insert": str(problem)}) from None


def send(partner: Partner, user: User, draft: Draft) -> Interaction:
    """Queue the email as the user, put it on the timeline, dispatch it after the commit."""
    subject, body = _checked(partner, draft)
    parent = thread_email(partner, draft.reply_to_id) if draft.reply_to_id else None
    references = reply_references(parent.message_id, parent.email_references) if parent else []
    headers = {"In-Reply-To": parent.message_id, "References": " ".join(references)} if (
        parent and parent.message_id) else {}
    text = body.rstrip() + (f"\n\n-- \n{user.signature.strip()}" if user.signature.strip()
                            else "") + "\n"
    row = queue_email(to_address=partner.email or "", to_name=partner.name, subject=subject,
                      text_body=text, partner_id=partner.id, headers=headers,
                      sender=sender_for(user))
    # Commits the outbox row and the entry together.
    entry = log_interaction(partner, user, "email", subject, body, direction="outbound",
                            message_id=row.message_id, references=references)
    dispatch_emails([row.id])
    return entry


def _checked(partner: Partner, draft: Draft) -> tuple[str, str]:
    fields: dict[str, str] = {}
    if not partner.email:
        fields["to"] = "this partner has no email address"
    elif is_suppressed(partner.email):
        fields["to"] = "this address is suppressed (unsubscribed or bounced)"
    subject = one_line(draft.subject)
    if not subject:
        fields["subject"] = "is required"
    elif len(subject) > SUBJECT_LIMIT:
        fields["subject"] = f"must be at most {SUBJECT_LIMIT} characters"
    body = (draft.body or "").replace("\r\n", "\n").strip()
    if not body:
        fields["body"] = "is required"
    elif len(body) > BODY_LIMIT:
        fields["body"] = f"must be at most {BODY_LIMIT:,} characters"
    if fields:
        raise InvalidInput("The email was not sent.", fields)
    return subject, body
