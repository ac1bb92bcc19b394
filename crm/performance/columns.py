"""Which column of a performance export feeds which figure: network header spellings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from crm.imports.headers import normalize_header

# Compared after normalize_header ("Sale Amount" → "saleamount"). "partner" holds whatever
# the network calls the publisher: an email, a website, a Rapport id or a name.
ALIASES: dict[str, tuple[str, ...]] = {
    "day": ("date", "day", "reportdate", "statdate", "transactiondate", "period"),
    "partner_id": ("partnerid", "rapportid", "rapportpartnerid"),
    "email": ("email", "emailaddress", "partneremail", "publisheremail", "affiliateemail"),
    "website": (
        "website", "domain", "url", "site", "websiteurl", "publisherwebsite", "partnerwebsite",
        "affiliatewebsite", "publisherurl", "publisherdomain",
    ),
    "partner": (
        "partner", "publisher", "affiliate", "partnername", "publishername", "affiliatename",
        "creator", "influencer",
    ),
    "client": (
        "client", "program", "programme", "advertiser", "merchant", "brand", "clientname",
        "programname", "advertisername", "merchantname",
    ),
    "clicks": ("clicks", "click", "totalclicks", "uniqueclicks"),
    "conversions": (
        "conversions", "conversion", "sales", "actions", "orders", "transactions", "leads",
        "totalconversions", "salescount", "numberofsales",
    ),
    "revenue": (
        "revenue", "saleamount", "salesamount", "salesvalue", "ordervalue", "ordertotal",
        "grosssales", "totalrevenue", "revenueamount"
    ),
    "commission": (
        "commission", "payout", "commissions", "totalcommission", "publishercommission",
        "affiliatecommission", "earnings", "commissionamount",
    ),
}
FIELD_BY_ALIAS = {alias: field for field, aliases in ALIASES.items() for alias in aliases}
IDENTITY_FIELDS = ("partner_id", "email", "website", "partner")
FIGURE_FIELDS = ("clicks", "conversions", "revenue", "commission")
LABELS = {
    "day": "Date", "partner_id": "Partner ID", "email": "Email", "website": "Website",
    "partner": "Partner", "client": "Client", "clicks": "Clicks", "conversions": "Conversions",
    "revenue": "Revenue", "commission": "Commission",
}


@dataclass(frozen=True)
class Columns:
    """The header row understood: one column index per field, and the headers left out."""

    headers: tuple[str, ...]
    index: dict[str, int]
    ignored: tuple[str, ...]

    def used(self) -> list[tuple[str, str]]:
        """(header, field label) for every column read, in file order."""
        by_index = sorted((i, field) for field, i in self.index.items())
        return [(self.headers[i], LABELS[field]) for i, field in by_index]

    def missing(self, client_given: bool) -> list[str]:
        """What the header lacks to import anything, as readable names."""
        missing = [] if "day" in self.index else ["a Date column"]
        if not any(field in self.index for field in IDENTITY_FIELDS):
            missing.append("a partner column (Email, Website, Partner ID, Publisher or Affiliate)")
        if not client_given and "client" not in self.index:
            missing.append("a Client column (Program, Advertiser), or choose the client")
        if not any(field in self.index for field in FIGURE_FIELDS):
            missing.append("a figure (Clicks, Conversions, Revenue or Commission)")
        return missing

    def read(self, cells: Sequence[str]) -> dict[str, str]:
        """Field → stripped text of one row; absent cells are blank."""
        width = len(cells)
        return {field: cells[i].strip() if i < width else "" for field, i in self.index.items()}


def map_columns(cells: Sequence[str], skip: frozenset[str] = frozenset()) -> Columns:
    """Match header cells to fields; the first column wins a field, `skip` fields are ignored."""
    index: dict[str, int] = {}
    ignored: list[str] = []
    for i, cell in enumerate(cells):
        field = FIELD_BY_ALIAS.get(normalize_header(cell))
        if field is not None and field not in index and field not in skip:
            index[field] = i
        elif cell.strip():
            ignored.append(cell.strip())
    return Columns(tuple(c.strip() for c in cells), index, tuple(ignored))
