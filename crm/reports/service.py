"""A client's report for a period: the figures from crm.reports.queries, arranged as tables.

The report carries only what may be shown to the client: names, counts, dates and amounts;
never interaction bodies, brand notes, placement notes or commission reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from crm.models import LOGGABLE_KINDS, SOURCES, STAGES, Client
from crm.reports import queries
from crm.reports.periods import Period

DAILY_UP_TO = 92  # longer periods are charted per week: 365 points are unreadable


@dataclass(frozen=True)
class Grid:
    """Counts by row and column (source × stage, manager × kind), with totals."""

    columns: list[str]
    rows: list[tuple[str, list[int], int]]
    column_totals: list[int]
    total: int


@dataclass(frozen=True)
class Welcome:
    """The welcome cohort: enrollments started in the period and how they ended so far."""

    enrolled: int
    emails_sent: int
    replied: int
    bounced: int
    unsubscribed: int

    @property
    def reply_rate(self) -> float | None:
        """Replied ÷ enrolled, or None with nobody enrolled."""
        return self.replied / self.enrolled if self.enrolled else None


@dataclass(frozen=True)
class Calls:
    """Onboarding calls starting in the period, by status; booked = all but cancelled."""

    scheduled: int
    held: int
    no_show: int
    cancelled: int

    @property
    def booked(self) -> int:
        return self.scheduled + self.held + self.no_show


@dataclass(frozen=True)
class Totals:
    """Summed performance figures; amounts in whole cents of the client's currency."""

    clicks: int = 0
    conversions: int = 0
    revenue_cents: int = 0
    commission_cents: int = 0


@dataclass(frozen=True)
class TopPartner:
    """A partner among the period's top earners, with their revenue in the previous period."""

    name: str
    clicks: int
    conversions: int
    revenue_cents: int
    previous_revenue_cents: int

    @property
    def revenue_change(self) -> float | None:
        return change(self.revenue_cents, self.previous_revenue_cents)


@dataclass(frozen=True)
class Performance:
    """Totals for the period and the previous one, a series for the chart, the top partners."""

    current: Totals
    previous: Totals
    days: list[tuple[date, Totals]]
    bucket_labels: list[str]
    revenue_series: list[int]
    previous_revenue_series: list[int]
    clicks_series: list[int]
    previous_clicks_series: list[int]
    top: list[TopPartner]
    weekly: bool

    def change(self, metric: str) -> float | None:
        """Relative change of a metric against the previous period (None from zero)."""
        return change(getattr(self.current, metric), getattr(self.previous, metric))


class Report:
    """A client's report for a period: only what may be shown to the client.

    Each part is computed when first read, so a CSV of one table runs only its own queries.
    """

    def __init__(self, client: Client, period: Period) -> None:
        self.client_id, self.client_name, self.currency = client.id, client.name, client.currency
        self.period, self.previous = period, period.previous()

    @cached_property
    def recruitment(self) -> Grid:
        return _recruitment(self.client_id, self.period)

    @cached_property
    def activated(self) -> int:
        return queries.activated(self.client_id, self.period)

    @cached_property
    def interactions(self) -> Grid:
        return _interactions(self.client_id, self.period)

    @cached_property
    def welcome(self) -> Welcome:
        return _welcome(self.client_id, self.period)

    @cached_property
    def calls(self) -> Calls:
        return _calls(self.client_id, self.period)

    @cached_property
    def commission_changes(self) -> list:
        return list(queries.commission_changes(self.client_id, self.period))

    @cached_property
    def placements(self) -> list:
        return list(queries.placements(self.client_id, self.period))

    @cached_property
    def promotions(self) -> list:
        return list(queries.promotions(self.client_id, self.period))

    @cached_property
    def performance(self) -> Performance:
        return _performance(self.client_id, self.period, self.previous)


def build_report(client: Client, period: Period) -> Report:
    """The client's report for the period (its parts are computed as they are read)."""
    return Report(client, period)


def change(current: int, previous: int) -> float | None:
    """(current − previous) ÷ previous, or None when the previous figure is zero."""
    return (current - previous) / previous if previous else None


def grid(counts: dict[tuple[str, str], int], rows: list[str], columns: list[str]) -> Grid:
    """Arrange (row, column) → count as a Grid; rows and columns in the order given."""
    body = []
    for row in rows:
        values = [counts.get((row, column), 0) for column in columns]
        body.append((row, values, sum(values)))
    column_totals = [sum(values[i] for _, values, _ in body) for i in range(len(columns))]
    return Grid(columns, body, column_totals, sum(column_totals))


def _ordered(seen: set[str], known: tuple[str, ...]) -> list[str]:
    """Known values in their domain order, then any others alphabetically."""
    return [v for v in known if v in seen] + sorted(seen - set(known))


def _recruitment(client_id: int, period: Period) -> Grid:
    counts = {(source, stage): n for source, stage, n in queries.recruitment(client_id, period)}
    sources = _ordered({source for source, _ in counts}, SOURCES)
    return grid(counts, sources, list(STAGES))


def _interactions(client_id: int, period: Period) -> Grid:
    counts: dict[tuple[str, str], int] = {}
    for name, kind, n in queries.interactions(client_id, period):
        counts[(name, kind)] = counts.get((name, kind), 0) + n  # two managers of one name
    managers = sorted({name for name, _ in counts})
    return grid(counts, managers, _ordered({kind for _, kind in counts}, LOGGABLE_KINDS))


def _welcome(client_id: int, period: Period) -> Welcome:
    enrolled, replied, bounced, unsubscribed = queries.welcome(client_id, period)
    return Welcome(enrolled=enrolled, emails_sent=queries.welcome_emails_sent(client_id, period),
                   replied=replied, bounced=bounced, unsubscribed=unsubscribed)


def _calls(client_id: int, period: Period) -> Calls:
    by_status = queries.calls(client_id, period)
    return Calls(**{status: by_status.get(status, 0)
                    for status in ("scheduled", "held", "no_show", "cancelled")})


def _days(client_id: int, period: Period) -> list[tuple[date, Totals]]:
    return [(day, Totals(*(int(v or 0) for v in sums)))
            for day, *sums in queries.performance_by_day(client_id, period)]


def _total(days: list[tuple[date, Totals]]) -> Totals:
    return Totals(*(sum(getattr(t, name) for _, t in days)
                    for name in ("clicks", "conversions", "revenue_cents", "commission_cents")))


def _buckets(days: list[tuple[date, Totals]], period: Period, size: int,
             metric: str) -> list[int]:
    """A metric summed per bucket of `size` days from the period's first day."""
    series = [0] * ((period.days + size - 1) // size)
    for day, totals in days:
        series[(day - period.start).days // size] += getattr(totals, metric)
    return series


def _performance(client_id: int, period: Period, previous: Period) -> Performance:
    days, earlier = _days(client_id, period), _days(client_id, previous)
    size = 1 if period.days <= DAILY_UP_TO else 7
    labels = [(period.start + timedelta(days=i)).isoformat()
              for i in range(0, period.days, size)]
    return Performance(
        current=_total(days), previous=_total(earlier), days=days, bucket_labels=labels,
        revenue_series=_buckets(days, period, size, "revenue_cents"),
        previous_revenue_series=_buckets(earlier, previous, size, "revenue_cents"),
        clicks_series=_buckets(days, period, size, "clicks"),
        previous_clicks_series=_buckets(earlier, previous, size, "clicks"),
        top=_top(client_id, period, previous), weekly=size > 1,
    )


def _top(client_id: int, period: Period, previous: Period) -> list[TopPartner]:
    rows = queries.top_partners(client_id, period)
    before = queries.revenue_of([row[0] for row in rows], previous)
    return [TopPartner(name=name, clicks=int(clicks or 0), conversions=int(conversions or 0),
                       revenue_cents=int(revenue or 0),
                       previous_revenue_cents=before.get(membership_id, 0))
            for membership_id, name, clicks, conversions, revenue, _ in rows]
