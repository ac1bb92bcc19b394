"""What the partner page shows: 90 days of figures per program, as chart specs and totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from crm.models import Partner
from crm.performance.money import format_money
from crm.performance.queries import ProgramSeries, partner_series

WINDOW_DAYS = 90


@dataclass(frozen=True)
class ProgramSummary:
    """One program's 90-day totals, formatted for the page."""

    client_id: int
    name: str
    clicks: int
    conversions: int
    revenue: str
    commission: str
    epc: str
    conversion_rate: str
    days: int


def partner_performance_view(partner: Partner, today: date) -> dict[str, Any]:
    """Totals per program and chart specs for the 90 days ending today."""
    start = today - timedelta(days=WINDOW_DAYS - 1)
    series = [s for s in partner_series(partner, start, today) if s.days]
    labels = [(start + timedelta(days=n)).isoformat() for n in range(WINDOW_DAYS)]
    return {
        "start": start, "end": today, "has_programs": bool(partner.memberships),
        "programs": [_summary(s) for s in series],
        "revenue_chart": _chart(series, labels, "revenue_cents", "line") if series else None,
        "clicks_chart": _chart(series, labels, "clicks", "bar") if series else None,
        "table": _table(series),
    }


def _summary(series: ProgramSeries) -> ProgramSummary:
    clicks, conversions = series.total("clicks"), series.total("conversions")
    commission = series.total("commission_cents")
    epc = format_money(round(commission / clicks), series.currency) if clicks else "—"
    rate = f"{conversions / clicks:.1%}" if clicks else "—"
    return ProgramSummary(
        series.client_id, series.client_name, clicks, conversions,
        format_money(series.total("revenue_cents"), series.currency),
        format_money(commission, series.currency), epc, rate, len(series.days),
    )


def _label(series: ProgramSeries, all_series: list[ProgramSeries]) -> str:
    currencies = {s.currency for s in all_series}
    return f"{series.client_name} ({series.currency})" if len(currencies) > 1 else \
        series.client_name


def _chart(series: list[ProgramSeries], labels: list[str], figure: str, kind: str) -> dict:
    datasets = []
    for one in series:
        scale = 100 if figure.endswith("_cents") else 1
        by_day = {day.day.isoformat(): getattr(day, figure) / scale for day in one.days}
        # A day without figures is a gap, not a zero: the network may not have reported yet.
        values = [by_day.get(label) for label in labels]
        datasets.append({"label": _label(one, series), "data": values})
    spec: dict[str, Any] = {"type": kind, "labels": labels, "datasets": datasets,
                            "stacked": kind == "bar"}
    return spec


def _table(series: list[ProgramSeries]) -> list[dict[str, Any]]:
    """Every day with figures, newest first: the chart's data for screen readers."""
    rows = [
        {"day": day.day, "program": one.client_name, "clicks": day.clicks,
         "conversions": day.conversions,
         "revenue": format_money(day.revenue_cents, one.currency),
         "commission": format_money(day.commission_cents, one.currency)}
        for one in series for day in one.days
    ]
    return sorted(rows, key=lambda row: (row["day"], row["program"]), reverse=True)
