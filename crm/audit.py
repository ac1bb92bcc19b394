"""The audit log: administrative changes recorded in the same transaction as the change."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from crm import clock
from crm.extensions import db
from crm.models import AuditEvent, User

TARGET_LIMIT = 300


def record(action: str, actor: User | None, target: str = "", detail: str = "") -> AuditEvent:
    """Add an audit entry inside the caller's transaction (the caller commits).

    Written with the change itself, so a change that rolls back leaves no entry and a
    committed change always has one.
    """
    event = AuditEvent(
        occurred_at=clock.now(), actor_id=actor.id if actor else None, action=action,
        target=target[:TARGET_LIMIT], detail=detail, ip_address=_client_address(),
    )
    db.session.add(event)
    return event


def _client_address() -> str:
    # remote_addr is the peer as the WSGI server saw it; behind a proxy configure ProxyFix.
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def events_query(action: str | None = None, actor_id: int | None = None) -> Select:
    """Audit entries, newest first, optionally of one action or one actor."""
    query = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    return query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())


def actions() -> list[str]:
    """Every action that has been recorded, for the page's filter."""
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by(
        AuditEvent.action)))


def actors() -> list[User]:
    """Everyone who has an entry in the log, by name, for the page's filter."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(AuditEvent.actor_id).distinct()))
        .order_by(User.name, User.id)))
