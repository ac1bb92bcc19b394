"""Reading partners: the filtered, sorted list and the timeline (shared by pages, API, export)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import Select, and_, exists, or_, select

from crm.ids import parse_id
from crm.models import Interaction, Membership, Partner, PartnerTag

SORTS = {
    "recent": (Partner.last_interaction_at.desc().nulls_last(), Partner.id.desc()),
    "name": (Partner.name.asc(), Partner.id.asc()),
    "-name": (Partner.name.desc(), Partner.id.desc()),
    "created": (Partner.created_at.asc(), Partner.id.asc()),
    "-created": (Partner.created_at.desc(), Partner.id.desc()),
    "stage": (Partner.stage.asc(), Partner.id.asc()),
    "id": (Partner.id.asc(),),
}
SORT_LABELS = {
    "recent": "Last interaction",
    "name": "Name A–Z",
    "-name": "Name Z–A",
    "-created": "Newest",
    "created": "Oldest",
    "stage": "Stage",
}


@dataclass(frozen=True)
class PartnerFilters:
    """What the partner list is narrowed and ordered by; every field optional."""

    q: str = ""
    stage: str = ""
    owner_id: int | None = None
    client_id: int | None = None
    source: str = ""
    tag: str = ""
    # The recruitment list a partner was imported from (Partner.source_list).
    source_list: str = ""
    sort: str = "recent"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> PartnerFilters:
        """Read filters from query arguments, ignoring blanks and junk numbers."""
        values: dict = {}
        for field in fields(cls):
            raw = (args.get(field.name) or "").strip()
            if not raw:
                continue
            if field.name in ("owner_id", "client_id"):
                row_id = parse_id(raw)
                if row_id is not None:
                    values[field.name] = row_id
            else:
                values[field.name] = raw
        if values.get("sort") not in SORTS:
            values.pop("sort", None)
        return cls(**values)

    def as_args(self) -> dict[str, str]:
        return {
            f.name: str(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) not in (None, "")
        }


def _like_terms(q: str) -> list:
    return [Partner.search_text.contains(word, autoescape=True) for word in q.lower().split()]


def filter_conditions(filters: PartnerFilters) -> list:
    conditions = _like_terms(filters.q)
    if filters.stage:
        conditions.append(Partner.stage == filters.stage)
    if filters.owner_id is not None:
        conditions.append(Partner.owner_id == filters.owner_id)
    if filters.source:
        conditions.append(Partner.source == filters.source)
    if filters.source_list:
        conditions.append(Partner.source_list == filters.source_list)
    if filters.tag:
        conditions.append(
            exists().where(
                PartnerTag.partner_id == Partner.id, PartnerTag.name == filters.tag.lower()
            )
        )
    if filters.client_id is not None:
        conditions.append(
            exists().where(
                Membership.partner_id == Partner.id, Membership.client_id == filters.client_id
            )
        )
    return conditions


def partner_query(filters: PartnerFilters) -> Select[tuple[Partner]]:
    """SELECT partners matching the filters in the requested order (id breaks ties)."""
    order = SORTS.get(filters.sort, SORTS["recent"])
    return select(Partner).where(*filter_conditions(filters)).order_by(*order)


def partners_after(filters: PartnerFilters, after_id: int | None) -> Select[tuple[Partner]]:
    """Keyset page by id: stable while rows are added or edited between requests."""
    query = select(Partner).where(*filter_conditions(filters)).order_by(Partner.id)
    if after_id is not None:
        query = query.where(Partner.id > after_id)
    return query


def timeline_query(
    partner_id: int, before: tuple[datetime, int] | None = None
) -> Select[tuple[Interaction]]:
    """A partner's interactions, newest first; `before` continues after the last one shown."""
    query = select(Interaction).where(Interaction.partner_id == partner_id)
    if before is not None:
        at, interaction_id = before
        query = query.where(
            or_(
                Interaction.occurred_at < at,
                and_(Interaction.occurred_at == at, Interaction.id < interaction_id),
            )
        )
    return query.order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
