"""What an import found or did: counts, up to SAMPLE_LIMIT rows of each kind, a fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from crm.imports.plan import Decision

SAMPLE_LIMIT = 200
KINDS = ("new", "merged", "invalid")


@dataclass
class ImportReport:
    """Counts and samples of new / merged / invalid rows; `fingerprint` covers every decision."""

    file_name: str
    list_name: str
    source: str
    layout: str = ""
    columns: list[tuple[str, str]] = field(default_factory=list)
    ignored: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys((*KINDS, "blank"), 0))
    samples: dict[str, list[Decision]] = field(default_factory=lambda: {k: [] for k in KINDS})
    partner_names: dict[int, str] = field(default_factory=dict)
    committed: bool = False
    _digest: Any = field(default_factory=hashlib.sha256, repr=False)

    def add(self, decision: Decision) -> None:
        """Count one row's decision and keep it if there is room to show it."""
        self.counts[decision.kind] += 1
        if len(self.samples[decision.kind]) < SAMPLE_LIMIT:
            self.samples[decision.kind].append(decision)
        self._digest.update(
            f"{decision.row}|{decision.kind}|{decision.target}|{sorted(decision.fills)}|"
            f"{decision.also_matches}|{sorted(decision.errors)}\n".encode()
        )

    def add_blank(self) -> None:
        self.counts["blank"] += 1

    @property
    def fingerprint(self) -> str:
        """Equal for two runs exactly when every row was decided the same way."""
        return self._digest.hexdigest()

    @property
    def rows(self) -> int:
        """Rows with any content (blank rows are skipped and counted apart)."""
        return sum(self.counts[kind] for kind in KINDS)

    @property
    def importable(self) -> int:
        return self.counts["new"] + self.counts["merged"]

    def linked_partner_ids(self) -> set[int]:
        """Existing partners the samples point at, to show by name."""
        targets = [
            target for d in self.samples["merged"] for target in (d.target, d.also_matches)
            if target is not None and target.kind == "partner"
        ]
        return {target.ident for target in targets}

    def summary(self) -> str:
        """One line: 'N rows: a new, b duplicates merged, c invalid (skipped), d blank'."""
        counts = self.counts
        text = (f"{plural(self.rows, 'row')}: {counts['new']} new, "
                f"{plural(counts['merged'], 'duplicate')} merged, {counts['invalid']} invalid")
        if counts["invalid"]:
            text += " (skipped)"
        if counts["blank"]:
            text += f", {counts['blank']} blank"
        return text


def plural(count: int, noun: str) -> str:
    """'1 row', '2 rows'."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"
