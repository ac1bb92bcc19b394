"""The dashboard's chart, described as data for static/charts.js."""

from __future__ import annotations

from datetime import date
from typing import Any

from crm.dashboard.queries import Dashboard


def week_chart(data: Dashboard, today: date) -> dict[str, Any]:
    """Sends and replies per day this week; days still to come are left empty."""
    def so_far(values: list[int]) -> list[int | None]:
        return [value if day <= today else None for day, value in zip(data.week.days, values,
                                                                       strict=True)]

    return {
        "type": "bar",
        "labels": [f"{day:%a %d}" for day in data.week.days],
        "datasets": [{"label": "Emails sent", "data": so_far(data.sends)},
                     {"label": "Replies", "data": so_far(data.replies)}],
        "options": {"scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}},
    }
