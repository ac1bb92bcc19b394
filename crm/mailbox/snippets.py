"""Snippets: text a user inserts while writing an email; their own, and shared ones.

A snippet may use the partner's fields like a sequence step ({{ partner.first_name }}); it is
checked in the sandbox when saved and rendered there when inserted.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from crm import clock
from crm.errors import InvalidInput, NotFound
from crm.extensions import db
from crm.models import Snippet, User
from outreach import email_templates
from outreach.email_templates import TemplateProblem

NAME_LIMIT = 120
BODY_LIMIT = 10_000


def visible_snippets(user: User) -> list[Snippet]:
    """The user's own snippets and everyone's shared ones, by name."""
    return list(db.session.scalars(
        select(Snippet).where(or_(Snippet.owner_id == user.id, Snippet.shared.is_(True)))
        .order_by(Snippet.name, Snippet.id)))


def snippet_for(user: User, snippet_id: int, editing: bool = False) -> Snippet:
    """A snippet the user may use (or, `editing`, change: their own; an admin's: any)."""
    snippet = db.session.get(Snippet, snippet_id)
    if snippet is None:
        raise NotFound("No such snippet.")
    mine = snippet.owner_id == user.id or (editing and user.is_admin)
    if not (mine or (snippet.shared and not editing)):
        raise NotFound("No such snippet.")
    return snippet


def _clean(name: str, body: str) -> tuple[str, str]:
    fields: dict[str, str] = {}
    name = " ".join((name or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not name:
        fields["name"] = "is required"
    elif len(name) > NAME_LIMIT:
        fields["name"] = f"must be at most {NAME_LIMIT} characters"
    if not body:
        fields["body"] = "is required"
    elif len(body) > BODY_LIMIT:
        fields["body"] = f"must be at most {BODY_LIMIT:,} characters"
    else:
        try:
            email_templates.check(body, html=False)
        except TemplateProblem as problem:
            fields["body"] = str(problem)
    if fields:
        raise InvalidInput("The snippet was not saved.", fields)
    return name, body


def save_snippet(user: User, name: str, body: str, shared: bool,
                 snippet: Snippet | None = None) -> Snippet:
    """Create a snippet, or change one the user may edit."""
    name, body = _clean(name, body)
    now = clock.now()
    if snippet is None:
        snippet = Snippet(owner_id=user.id, created_at=now)
        db.session.add(snippet)
    snippet.name, snippet.body, snippet.shared, snippet.updated_at = name, body, shared, now
    db.session.commit()
    return snippet


def delete_snippet(snippet: Snippet) -> None:
    db.session.delete(snippet)
    db.session.commit()
