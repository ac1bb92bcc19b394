"""The report's tables as CSV: one file per table, the same figures the page shows."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable

from crm.reports.service import Grid, Report

Table = tuple[list[str], list[list[object]]]
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def money(cents: int | None) -> str:
    """Whole cents as a plain decimal amount ('1234.50'); empty when unknown."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _grid(grid: Grid, first: str) -> Table:
    return ([first, *grid.columns, "total"],
            [[name, *values, total] for name, values, total in grid.rows])


def recruitment(report: Report) -> Table:
    """Memberships created in the period by source × stage."""
    return _grid(report.recruitment, "source")


def interactions(report: Report) -> Table:
    """Manager interactions by manager × kind."""
    return _grid(report.interactions, "manager")


def welcome(report: Report) -> Table:
    """The welcome cohort and its outcomes, one row."""
    w = report.welcome
    rate = "" if w.reply_rate is None else f"{w.reply_rate:.4f}"
    return (["enrolled", "emails_sent", "replied", "bounced", "unsubscribed", "reply_rate"],
            [[w.enrolled, w.emails_sent, w.replied, w.bounced, w.unsubscribed, rate]])


def calls(report: Report) -> Table:
    """Onboarding calls by status, one row."""
    c = report.calls
    return (["booked", "scheduled", "held", "no_show", "cancelled"],
            [[c.booked, c.scheduled, c.held, c.no_show, c.cancelled]])


def commission_changes(report: Report) -> Table:
    """Commission changes taking effect in the period."""
    return (["effective_on", "partner", "old_terms", "new_terms"],
            [[day.isoformat(), name, old, new]
             for day, name, old, new in report.commission_changes])


def placements(report: Report) -> Table:
    """Placements running in the period, fees in the client's currency."""
    return (["starts_on", "ends_on", "partner", "kind", f"fee_{report.currency}"],
            [[start.isoformat(), end.isoformat(), name, kind, money(fee)]
             for start, end, name, kind, fee in report.placements])


def promotions(report: Report) -> Table:
    """Promotions running in the period."""
    return (["starts_on", "ends_on", "partner", "code"],
            [[start.isoformat(), end.isoformat() if end else "", name, code]
             for start, end, name, code in report.promotions])


def performance(report: Report) -> Table:
    """Performance summed per day of the period."""
    currency = report.currency
    return (["day", "clicks", "conversions", f"revenue_{currency}", f"commission_{currency}"],
            [[day.isoformat(), t.clicks, t.conversions, money(t.revenue_cents),
              money(t.commission_cents)] for day, t in report.performance.days])


def top_partners(report: Report) -> Table:
    """The top partners by revenue, with the previous period's revenue."""
    currency = report.currency
    return (["partner", "clicks", "conversions", f"revenue_{currency}",
             f"previous_revenue_{currency}"],
            [[p.name, p.clicks, p.conversions, money(p.revenue_cents),
              money(p.previous_revenue_cents)] for p in report.performance.top])


TABLES: dict[str, Callable[[Report], Table]] = {
    "recruitment": recruitment, "interactions": interactions, "welcome": welcome,
    "calls": calls, "commission_changes": commission_changes, "placements": placements,
    "promotions": promotions, "performance": performance, "top_partners": top_partners,
}


def to_csv(table: Table) -> str:
    """The table as CSV text with a header row; text cells cannot become formulas."""
    headers, rows = table
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(_safe(row) for row in rows)
    return out.getvalue()


def filename(report: Report, name: str) -> str:
    """report-<client id>-<table>-<start>-<end>.csv (no user text in the header)."""
    return f"report-{report.client_id}-{name}-{report.period.start}-{report.period.end}.csv"


def _safe(row: Iterable[object]) -> list[object]:
    return [f"'{cell}" if _formula_like(cell) else cell for cell in row]


def _formula_like(cell: object) -> bool:
    return (isinstance(cell, str) and cell.startswith(FORMULA_STARTS)
            and not NUMBER.fullmatch(cell))
