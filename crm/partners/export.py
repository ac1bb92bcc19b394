"""The partner list as CSV, in the same columns the import reads, streamed batch by batch."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from sqlalchemy.orm import joinedload, selectinload

from crm.extensions import db
from crm.models import Partner
from crm.partners.queries import PartnerFilters, partners_after

HEADERS = (
    "name", "email", "phone", "company", "website", "channels", "country", "timezone",
    "source", "source_list", "stage", "owner_email", "tags",
)
BATCH_SIZE = 1000
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object that hands back what is written, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def safe_cell(value: str | None) -> str:
    """The value as text, defused with a leading quote if a spreadsheet would evaluate it."""
    text = value or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def partner_row(partner: Partner) -> list[str]:
    """One partner in HEADERS order, every cell safe to open in a spreadsheet."""
    values = [
        partner.name, partner.email, partner.phone, partner.company, partner.website,
        ", ".join(partner.channels or []), partner.country, partner.timezone, partner.source,
        partner.source_list, partner.stage, partner.owner.email if partner.owner else "",
        ", ".join(partner.tag_names),
    ]
    return [safe_cell(value) for value in values]


def _batches(filters: PartnerFilters) -> Iterator[list[Partner]]:
    # Keyset batches by id: memory stays flat and rows added meanwhile do not shift pages.
    after_id = None
    while True:
        query = partners_after(filters, after_id).limit(BATCH_SIZE).options(
            joinedload(Partner.owner), selectinload(Partner.tags)
        )
        # The identity map holds clean objects weakly, so finished batches are let go.
        batch = list(db.session.scalars(query))
        if not batch:
            return
        yield batch
        after_id = batch[-1].id


def csv_lines(filters: PartnerFilters) -> Iterator[str]:
    """The header line, then one line per matching partner (the whole list, not a page)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADERS)
    for batch in _batches(filters):
        yield "".join(writer.writerow(partner_row(partner)) for partner in batch)
