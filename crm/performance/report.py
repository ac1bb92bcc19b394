"""What a performance import found or did: counts, totals per program, the bad rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crm.imports.report import plural
from crm.performance.money import format_money
from crm.performance.rows import Figures

ERROR_LIMIT = 200


@dataclass(frozen=True)
class RowError:
    """One bad row: its number (as a spreadsheet shows it, or the JSON index) and why."""

    row: int
    fields: dict[str, str]

    def lines(self, label: str = "row") -> list[str]:
        """'row 7: clicks: -3 is negative; …', one line per field."""
        return [f"{label} {self.row}: {name}: {reason}" for name, reason in self.fields.items()]


@dataclass
class ProgramTotals:
    """The sums of one program's rows in the file."""

    client_id: int
    name: str
    currency: str
    rows: int = 0
    clicks: int = 0
    conversions: int = 0
    revenue_cents: int = 0
    commission_cents: int = 0
    first_day: date | None = None
    last_day: date | None = None

    def add(self, figures: Figures) -> None:
        self.rows += 1
        self.clicks += figures.clicks
        self.conversions += figures.conversions
        self.revenue_cents += figures.revenue_cents
        self.commission_cents += figures.commission_cents
        day = figures.day
        self.first_day = day if self.first_day is None else min(self.first_day, day)
        self.last_day = day if self.last_day is None else max(self.last_day, day)

    @property
    def revenue(self) -> str:
        return format_money(self.revenue_cents, self.currency)

    @property
    def commission(self) -> str:
        return format_money(self.commission_cents, self.currency)


@dataclass
class PerformanceReport:
    """Counts (rows, new and replaced days, skipped lines), totals and up to 200 bad rows."""

    file_name: str
    columns: list[tuple[str, str]] = field(default_factory=list)
    ignored: tuple[str, ...] = ()
    rows: int = 0
    new_days: int = 0
    replaced_days: int = 0
    total_lines: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)
    programs: dict[int, ProgramTotals] = field(default_factory=dict)
    committed: bool = False

    @property
    def has_room(self) -> bool:
        """Whether another bad row would still be listed."""
        return len(self.errors) < ERROR_LIMIT

    def add_error(self, row: int, fields: dict[str, str]) -> None:
        self.invalid += 1
        if self.has_room:
            self.errors.append(RowError(row, fields))

    @property
    def more_errors(self) -> int:
        """Bad rows beyond the listed ones."""
        return self.invalid - len(self.errors)

    @property
    def importable(self) -> bool:
        return self.invalid == 0 and self.rows > 0

    def error_lines(self, label: str = "row") -> list[str]:
        """Every listed problem as a line, then 'and N more bad rows' when capped."""
        lines = [line for error in self.errors for line in error.lines(label)]
        if self.more_errors:
            lines.append(f"and {plural(self.more_errors, 'more bad row')}")
        return lines

    def summary(self) -> str:
        """'N rows: a new days, b replaced days' plus bad rows when there are any."""
        text = (f"{plural(self.rows, 'row')}: {plural(self.new_days, 'new day')}, "
                f"{plural(self.replaced_days, 'replaced day')}")
        if self.invalid:
            text += f"; {plural(self.invalid, 'bad row')}, so nothing can be imported"
        return text
