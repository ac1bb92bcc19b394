"""Writing one batch of decisions with bulk statements, inside the caller's transaction.

New partners, their tags and the merge events go in through `outreach.bulk_writes` (COPY on
PostgreSQL, the driver's executemany on SQLite); merges fill blanks with one bulk UPDATE; the
"Imported" events are one INSERT … SELECT. These are Core statements on the tables: the ORM's
bulk path costs about twice as much per row here. A partner already in the database gets one
"Appeared in recruitment list" event per import, however many rows match it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, cast, insert, literal, select, text

from crm.extensions import db
from crm.imports.plan import FILLABLE, KEYS, Decision, Target
from crm.models import Interaction, Partner, PartnerTag, UTCDateTime
from crm.partners.identity import search_text
from crm.partners.service import SUMMARY_LIMIT
from outreach.bulk_writes import insert_rows, inserting, is_postgresql, one_of, update_rows

# What a new partner gets for a field its row leaves out.
DEFAULTS: dict[str, Any] = {
    "email": None, "email_key": None, "phone": "", "company": "", "website": "",
    "website_domain": None, "channels": [], "country": "", "timezone": "UTC", "about": "",
    "owner_id": None,
}
STORED = (*FILLABLE, *KEYS.values(), "name", "channels")
PARTNERS, TAGS, INTERACTIONS = Partner.__table__, PartnerTag.__table__, Interaction.__table__
EVENT_COLUMNS = ("partner_id", "kind", "direction", "occurred_at", "summary", "body",
                 "author_id", "created_at")


@dataclass(frozen=True)
class WriteContext:
    """What every row of one import shares."""

    list_name: str
    source: str
    file_name: str
    actor_id: int | None
    now: datetime


def _search_text(values: dict[str, Any]) -> str:
    return search_text(values["name"], values["email"], values["company"],
                       values["website_domain"], values["website"])


class Writer:
    """Applies decisions batch by batch; remembers the ids of the partners it added."""

    def __init__(self, context: WriteContext) -> None:
        self.context = context
        self.new_ids: dict[int, int] = {}  # row → id of the partner that row added
        self.announced: set[int] = set()

    @contextmanager
    def writing(self, decisions: list[Decision]) -> Iterator[None]:
        """Insert the batch's new partners, then apply its merges, then the events.

        The block runs while the server is still loading the new partners (on PostgreSQL,
        see bulk_writes.inserting): work there that does not touch the session, such as
        checking the next batch, overlaps the server's. The rest follows the block.
        """
        new = [d for d in decisions if d.kind == "new"]
        merged = [d for d in decisions if d.kind == "merged"]
        if new:
            with self._inserting(new):
                yield
        else:
            yield
        events = self._merge(merged) if merged else []
        insert_rows(INTERACTIONS, events)

    @contextmanager
    def _inserting(self, decisions: list[Decision]) -> Iterator[None]:
        rows = [self._partner_row(d.data) for d in decisions]
        with inserting_partners(rows) as ids:
            yield
        tags = [{"partner_id": partner_id, "name": tag}
                for d, partner_id in zip(decisions, ids, strict=True)
                for tag in d.data.get("tags", [])]
        insert_rows(TAGS, tags)
        self.new_ids.update(zip((d.row for d in decisions), ids, strict=True))
        self._record_imported(ids)

    def _record_imported(self, ids: list[int]) -> None:
        # Every partner the batch added gets the same event, so one INSERT … SELECT writes
        # them all; sending a row of parameters per event costs about a second per 100,000.
        context = self.context
        now = literal(context.now, UTCDateTime())
        events = select(
            PARTNERS.c.id, literal("system"), literal("internal"), now,
            literal(f"Imported from recruitment list '{context.list_name}'"[:SUMMARY_LIMIT]),
            literal(f"From {context.file_name}; source: ") + PARTNERS.c.source + ".",
            cast(literal(context.actor_id), Integer), now,
        ).where(one_of(PARTNERS.c.id, ids))
        db.session.execute(insert(INTERACTIONS).from_select(EVENT_COLUMNS, events))

    def _partner_row(self, data: dict[str, Any]) -> dict[str, Any]:
        context = self.context
        row = {name: data.get(name, default) for name, default in DEFAULTS.items()}
        row.update(
            name=data["name"], source=data.get("source") or context.source,
            source_list=context.list_name, stage="prospect", created_at=context.now,
            updated_at=context.now,
        )
        row["search_text"] = _search_text(row)
        return row

    def _partner_id(self, target: Target) -> int:
        return target.ident if target.kind == "partner" else self.new_ids[target.ident]

    def _merge(self, decisions: list[Decision]) -> list[dict[str, Any]]:
        ids = {d.row: self._partner_id(d.target) for d in decisions if d.target}
        partners = _current_values(set(ids.values()))
        tags = _current_tags(set(ids.values()))
        changed: set[int] = set()
        new_tags: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for d in decisions:
            partner_id = ids[d.row]
            added = _union(partners[partner_id], tags[partner_id], d)
            new_tags += [{"partner_id": partner_id, "name": tag} for tag in added["tags"]]
            if d.fills or added["tags"] or added["channels"]:
                changed.add(partner_id)
            if d.target and d.target.kind == "partner" and partner_id not in self.announced:
                self.announced.add(partner_id)
                events.append(self._merge_event(partner_id, d, added))
        update_rows(PARTNERS, "id", [
            {"id": pid, **{name: partners[pid][name] for name in STORED},
             "search_text": _search_text(partners[pid]), "updated_at": self.context.now}
            for pid in sorted(changed)
        ])
        insert_rows(TAGS, new_tags)
        return events

    def _merge_event(self, partner_id: int, d: Decision, added: dict[str, list[str]]):
        context = self.context
        details = [f"Row {d.row} of {context.file_name}."]
        if d.fills:
            details.append("Filled in: " + ", ".join(n for n in d.fills if n not in KEYS.values()))
        for kind in ("tags", "channels"):
            if added[kind]:
                details.append(f"Added {kind}: " + ", ".join(added[kind]))
        return self._event(
            partner_id,
            f"Appeared in recruitment list '{context.list_name}' (source: {context.source})",
            " ".join(details),
        )

    def _event(self, partner_id: int, summary: str, body: str) -> dict[str, Any]:
        now = self.context.now
        return {
            "partner_id": partner_id, "kind": "system", "direction": "internal",
            "occurred_at": now, "summary": summary[:SUMMARY_LIMIT], "body": body,
            "author_id": self.context.actor_id, "created_at": now,
        }


@contextmanager
def inserting_partners(rows: list[dict[str, Any]]) -> Iterator[list[int]]:
    """Insert the rows in one bulk write, finished when the block ends (bulk_writes.inserting);
    yields their new ids, in the same order.

    INSERT … RETURNING id in row order costs several times a plain bulk insert (SQLite
    cannot batch it at all, and COPY returns nothing), so the ids are settled first and
    sent with the rows.
    """
    if is_postgresql():
        # The sequence is looked up once: pg_get_serial_sequence in the row-by-row query
        # would be evaluated for every id (0.5 s of a 100,000-row import).
        sequence = db.session.scalar(text("SELECT pg_get_serial_sequence('partners', 'id')"))
        ids = db.session.scalar(text(
            "SELECT array_agg(nextval(CAST(:sequence AS regclass)))"
            " FROM generate_series(1, :count)"
        ), {"sequence": sequence, "count": len(rows)})
        pending = list(zip(rows, ids, strict=True))
    else:
        # SQLite gives a new row max(id) + 1. Once the first row is in, this transaction holds
        # SQLite's only write lock, so the ids that follow it stay free for the other rows.
        first = db.session.scalar(insert(PARTNERS).returning(PARTNERS.c.id), rows[0])
        ids = list(range(first, first + len(rows)))
        pending = list(zip(rows[1:], ids[1:], strict=True))
    with inserting(PARTNERS, [row | {"id": pid} for row, pid in pending]):
        yield ids


def _current_values(ids: set[int]) -> dict[int, dict[str, Any]]:
    columns = [PARTNERS.c.id, *(PARTNERS.c[name] for name in STORED)]
    rows = db.session.connection().execute(select(*columns).where(one_of(PARTNERS.c.id, ids)))
    return {row.id: dict(row._mapping) for row in rows}


def _current_tags(ids: set[int]) -> dict[int, set[str]]:
    tags: dict[int, set[str]] = defaultdict(set)
    rows = db.session.connection().execute(
        select(TAGS.c.partner_id, TAGS.c.name).where(one_of(TAGS.c.partner_id, ids))
    )
    for partner_id, name in rows:
        tags[partner_id].add(name)
    return tags


def _union(partner: dict[str, Any], tags: set[str], d: Decision) -> dict[str, list[str]]:
    """Fill the partner's blanks from the row, add its new tags and channels; say what was added."""
    partner.update(d.fills)
    known = {channel.lower() for channel in partner["channels"]}
    channels = [c for c in d.data.get("channels", []) if c.lower() not in known]
    channels = list({c.lower(): c for c in channels}.values())
    partner["channels"] = [*partner["channels"], *channels]
    added_tags = [tag for tag in d.data.get("tags", []) if tag not in tags]
    tags.update(added_tags)
    return {"tags": added_tags, "channels": channels}
