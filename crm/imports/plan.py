"""Deciding what each row does: add a new partner, merge into a partner, or nothing (invalid).

A row is a duplicate when its email (case-insensitively) or its website dedupe key belongs
to a partner already in the database or to an earlier row of the same file; the email wins
when the two point at different partners. A duplicate fills the partner's blank fields only.

The planner reads the database but never writes. Its decisions depend only on the file and
the database, so a preview and the commit that follows agree unless the database changed.
Memory stays small: per batch, the rows themselves; per file, the keys seen and, for every
partner touched, which of its fields are still blank (one integer).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select

from crm.extensions import db
from crm.models import Partner
from outreach.bulk_writes import one_of

# Blank fields a duplicate row may fill; everything else on an existing partner is kept.
FILLABLE = ("email", "website", "phone", "company", "country", "timezone", "owner_id", "about")
# Filling one of these also sets its dedupe key.
KEYS = {"email": "email_key", "website": "website_domain"}
PARTNERS = Partner.__table__


class Target(NamedTuple):
    """The partner a row lands in: an existing partner's id, or the row that adds it."""

    kind: str  # "partner" or "row"
    ident: int

    def __str__(self) -> str:
        return f"partner #{self.ident}" if self.kind == "partner" else f"row {self.ident}"


class PreparedRow(NamedTuple):
    row: int
    data: dict[str, Any] | None  # checked partner fields, or None when invalid
    errors: dict[str, str]


@dataclass(slots=True)
class Decision:
    """What one row does: kind is "new", "merged" or "invalid"."""

    row: int
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    target: Target | None = None
    matched_by: str = ""  # "email" or "website"
    fills: dict[str, Any] = field(default_factory=dict)
    also_matches: Target | None = None  # the website belongs to a different partner


def is_blank(name: str, value: Any) -> bool:
    """A field counts as blank when empty, or still at its default ("UTC" for a time zone)."""
    return value is None or value == "" or (name == "timezone" and value == "UTC")


def blank_mask(values: Any) -> int:
    """Bit i set when FILLABLE[i] is blank in `values` (a dict, or a Row from a query)."""
    get = values.get if isinstance(values, dict) else values._mapping.get
    mask = 0
    for bit, name in enumerate(FILLABLE):
        if is_blank(name, get(name)):
            mask |= 1 << bit
    return mask


class Planner:
    """Classifies a file's rows batch by batch, remembering what earlier batches decided."""

    def __init__(self, default_owner_id: int | None) -> None:
        self.default_owner_id = default_owner_id
        self.by_email: dict[str, Target] = {}
        self.by_domain: dict[str, Target] = {}
        self.blanks: dict[Target, int] = {}

    def plan(self, rows: Sequence[PreparedRow]) -> list[Decision]:
        """Decisions for one batch, in file order."""
        self._look_up([row.data for row in rows if row.data is not None])
        return [
            self._decide(row.row, row.data) if row.data is not None
            else Decision(row.row, "invalid", errors=row.errors)
            for row in rows
        ]

    def _look_up(self, batch: list[dict[str, Any]]) -> None:
        # One query for the batch's unseen emails, one for its unseen website keys.
        # (Not `set - dict.keys()`: that walks every key seen so far, for every batch.)
        emails = {key for d in batch if (key := d.get("email_key")) and key not in self.by_email}
        domains = {key for d in batch
                   if (key := d.get("website_domain")) and key not in self.by_domain}
        # Core statements on the table: the ORM's result handling would double their cost.
        columns = (PARTNERS.c.id, PARTNERS.c.email_key, PARTNERS.c.website_domain,
                   *(PARTNERS.c[name] for name in FILLABLE))
        connection = db.session.connection()
        found = []
        if emails:
            found += connection.execute(
                select(*columns).where(one_of(PARTNERS.c.email_key, emails)))
        if domains:
            found += connection.execute(
                select(*columns).where(one_of(PARTNERS.c.website_domain, domains)))
        for partner in sorted(found, key=lambda p: p.id):  # the oldest partner wins a domain
            target = Target("partner", partner.id)
            self._remember(target, partner.email_key, partner.website_domain)
            self.blanks.setdefault(target, blank_mask(partner))

    def _remember(self, target: Target, email_key: str | None, domain: str | None) -> None:
        if email_key:
            self.by_email.setdefault(email_key, target)
        if domain:
            self.by_domain.setdefault(domain, target)

    def _decide(self, row: int, data: dict[str, Any]) -> Decision:
        by_email = self.by_email.get(data.get("email_key") or "")
        by_site = self.by_domain.get(data.get("website_domain") or "")
        target = by_email or by_site
        if target is None:
            return self._add(row, data)
        elsewhere = by_site if by_site not in (None, target) else None
        return Decision(
            row, "merged", data, target=target, matched_by="email" if by_email else "website",
            fills=self._fill(target, data, website_taken=elsewhere is not None),
            also_matches=elsewhere,
        )

    def _add(self, row: int, data: dict[str, Any]) -> Decision:
        if data.get("owner_id") is None and self.default_owner_id is not None:
            data["owner_id"] = self.default_owner_id
        target = Target("row", row)
        self._remember(target, data.get("email_key"), data.get("website_domain"))
        self.blanks[target] = blank_mask(data)
        return Decision(row, "new", data)

    def _fill(self, target: Target, data: dict[str, Any], website_taken: bool) -> dict[str, Any]:
        blanks = self.blanks[target]
        fills: dict[str, Any] = {}
        for bit, name in enumerate(FILLABLE):
            value = data.get(name)
            if not blanks & (1 << bit) or is_blank(name, value):
                continue
            if name == "website" and website_taken:
                continue  # its key belongs to another partner; copying it would double it
            fills[name] = value
            if name in KEYS:
                fills[KEYS[name]] = data.get(KEYS[name])
            blanks &= ~(1 << bit)
        self.blanks[target] = blanks
        self._remember(target, fills.get("email_key"), fills.get("website_domain"))
        return fills


def targets_of(decisions: Iterable[Decision]) -> set[int]:
    """Ids of the existing partners these decisions merge into."""
    return {d.target.ident for d in decisions if d.target and d.target.kind == "partner"}
