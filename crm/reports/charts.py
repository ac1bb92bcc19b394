"""Chart specs for the report page (static/charts.js draws them): pure data, no Chart.js."""

from __future__ import annotations

from typing import Any

from crm.reports.service import Grid, Report

Spec = dict[str, Any]
# Counts are whole: no 0.5 partner on the axis.
COUNT_SCALES = {"y": {"beginAtZero": True, "stacked": True, "ticks": {"precision": 0}},
                "x": {"stacked": True}}


def _stacked(grid: Grid) -> Spec:
    """Rows as bars, one stacked dataset per column (stage, kind)."""
    return {"type": "bar", "stacked": True, "labels": [name for name, _, _ in grid.rows],
            "options": {"scales": COUNT_SCALES},
            "datasets": [{"label": column.replace("_", " ").capitalize(),
                          "data": [values[i] for _, values, _ in grid.rows]}
                         for i, column in enumerate(grid.columns)]}


def recruitment(report: Report) -> Spec:
    """Partners recruited per source, stacked by their stage."""
    spec = _stacked(report.recruitment)
    spec["labels"] = [label.capitalize() for label in spec["labels"]]
    return spec


def interactions(report: Report) -> Spec:
    """Interactions per manager, stacked by kind."""
    return _stacked(report.interactions)


def revenue(report: Report) -> Spec:
    """Revenue per day (or week) against the previous period, in whole currency units."""
    perf = report.performance
    unit = "week" if perf.weekly else "day"
    return {"type": "line", "labels": perf.bucket_labels,
            "datasets": [
                {"label": f"Revenue per {unit} ({report.currency})",
                 "data": [cents / 100 for cents in perf.revenue_series]},
                {"label": "Previous period", "borderDash": [6, 4],
                 "data": [cents / 100 for cents in perf.previous_revenue_series]}]}


def clicks(report: Report) -> Spec:
    """Clicks per day (or week) against the previous period."""
    perf = report.performance
    unit = "week" if perf.weekly else "day"
    return {"type": "line", "labels": perf.bucket_labels,
            "datasets": [{"label": f"Clicks per {unit}", "data": perf.clicks_series},
                         {"label": "Previous period", "borderDash": [6, 4],
                          "data": perf.previous_clicks_series}]}


def charts(report: Report) -> dict[str, Spec]:
    """Every chart of the report by name."""
    return {"recruitment": recruitment(report), "interactions": interactions(report),
            "revenue": revenue(report), "clicks": clicks(report)}
