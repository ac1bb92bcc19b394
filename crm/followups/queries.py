"""Reading follow-ups: a manager's queue and its count."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.models import FollowUp, Partner


def queue_query(owner_id: int | None, status: str = "open") -> Select:
    """Flags in `status` for partners owned by owner_id (None: everyone's), due first."""
    query = (select(FollowUp).join(Partner, Partner.id == FollowUp.partner_id)
             .where(FollowUp.status == status)
             .options(joinedload(FollowUp.partner))
             .order_by(FollowUp.due_at, FollowUp.weight.desc(), FollowUp.id))
    if owner_id is not None:
        query = query.where(Partner.owner_id == owner_id)
    return query


def open_count(owner_id: int) -> int:
    return db.session.scalar(
        select(func.count(FollowUp.id)).join(Partner, Partner.id == FollowUp.partner_id)
        .where(FollowUp.status == "open", Partner.owner_id == owner_id)) or 0
