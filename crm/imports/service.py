"""Importing a recruitment list (CSV): preview what it would do, then do it in one transaction.

The UI and `rapport import-partners` both call `preview_import` and `run_import`. The file is
streamed and handled in batches of BATCH_SIZE rows, so memory does not grow with its length.
Invalid rows never stop an import: they are reported with their row numbers and skipped,
and the valid rows are written together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TypeVar

from flask import current_app
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from crm import clock
from crm.errors import DomainError, InvalidInput
from crm.extensions import db
from crm.imports.headers import HeaderMap
from crm.imports.plan import Decision, Planner, PreparedRow
from crm.imports.prepare import Owners, prepare_row
from crm.imports.reader import ImportFileError, inspect, read_rows
from crm.imports.report import ImportReport
from crm.imports.writer import WriteContext, Writer
from crm.models import SOURCES, Partner, User
from crm.partners.fields import TEXT_LIMITS

BATCH_SIZE = 1_000
T = TypeVar("T")

__all__ = [
    "ImportFailed", "ImportFileError", "ImportOptions", "PreviewOutdated", "import_options",
    "preview_import", "run_import",
]


class ImportFailed(DomainError):
    """The database refused the import; everything was rolled back."""

    code = "import_failed"
    status = 500


class PreviewOutdated(DomainError):
    """The database changed since the preview, so the import would differ; nothing written."""

    code = "preview_outdated"
    status = 409

    def __init__(self, report: ImportReport) -> None:
        super().__init__("Partners changed since the preview. Check the new preview and confirm.")
        self.report = report


@dataclass(frozen=True)
class ImportOptions:
    """What the person importing chose: the list's name and source, the default owner."""

    file_name: str
    list_name: str
    source: str
    owner_id: int | None = None  # owner of new partners whose row names none
    actor_id: int | None = None  # who imports: the author of the timeline events


def import_options(
    file_name: str, list_name: str | None = None, source: str = "other",
    owner_id: int | None = None, actor_id: int | None = None,
) -> ImportOptions:
    """Checked options; the list name defaults to the file name without its extension."""
    name = (list_name or "").strip() or Path(file_name).stem.strip()
    errors = {}
    if not name:
        errors["list_name"] = "is required"
    elif len(name) > TEXT_LIMITS["source_list"]:
        errors["list_name"] = f"must be at most {TEXT_LIMITS['source_list']} characters"
    if source not in SOURCES:
        errors["source"] = f"must be one of {', '.join(SOURCES)}"
    if owner_id is not None and db.session.get(User, owner_id) is None:
        errors["owner"] = f"no user with id {owner_id}"
    if errors:
        raise InvalidInput("The import options are not valid.", errors)
    return ImportOptions(Path(file_name).name, name, source, owner_id, actor_id)


def preview_import(
    path: Path, options: ImportOptions, on_invalid: Callable[[Decision], None] | None = None
) -> ImportReport:
    """What importing the file would do; writes nothing."""
    try:
        report = _process(path, options, None, on_invalid)
        _name_partners(report)
        return report
    finally:
        db.session.rollback()  # end the read transaction


def run_import(
    path: Path, options: ImportOptions, expected_fingerprint: str | None = None,
    on_invalid: Callable[[Decision], None] | None = None,
) -> ImportReport:
    """Import the valid rows in one transaction; all or nothing.

    With `expected_fingerprint` (from the preview the user confirmed), PreviewOutdated is
    raised instead of committing when any row would now be decided differently.
    """
    writer = Writer(WriteContext(options.list_name, options.source, options.file_name,
                                 options.actor_id, clock.now()))
    try:
        report = _process(path, options, writer, on_invalid)
        if expected_fingerprint is not None and report.fingerprint != expected_fingerprint:
            raise PreviewOutdated(report)
        db.session.commit()
    except PreviewOutdated as outdated:
        db.session.rollback()
        _name_partners(outdated.report)
        raise
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.exception("Import of %s failed", options.file_name)
        reason = type(getattr(error, "orig", None) or error).__name__
        raise ImportFailed(
            f"The import failed and nothing was saved: the database refused a change ({reason})."
            " Try again; if it fails again, tell your administrator."
        ) from error
    except BaseException:
        db.session.rollback()
        raise
    report.committed = True
    _name_partners(report)
    return report


def _process(
    path: Path, options: ImportOptions, writer: Writer | None,
    on_invalid: Callable[[Decision], None] | None = None,
) -> ImportReport:
    layout = inspect(path, current_app.config["RAPPORT_IMPORT_MAX_BYTES"])
    report = ImportReport(
        options.file_name, options.list_name, options.source, layout.description,
        layout.columns.used(), layout.columns.ignored,
    )
    _prefer_indexes()
    owners = Owners.load()
    planner = Planner(options.owner_id)
    batches = _batches(read_rows(layout), BATCH_SIZE)

    def check_next() -> list[PreparedRow] | None:
        batch = next(batches, None)
        return None if batch is None else _prepare(batch, layout.columns, owners, report)

    prepared = check_next()
    while prepared is not None:
        decisions = planner.plan(prepared)
        for decision in decisions:
            report.add(decision)
            if decision.kind == "invalid" and on_invalid is not None:
                on_invalid(decision)
        # The next batch is checked while the server loads this one (Writer.writing).
        with writer.writing(decisions) if writer is not None else nullcontext():
            prepared = check_next()
    if report.rows == 0:
        raise ImportFileError(f"The file has a header (row {layout.header_row}) but no rows "
                              "after it.")
    return report


def _prefer_indexes() -> None:
    # PostgreSQL plans with the statistics from before the import; once this transaction has
    # added many partners it would scan the table for every batch's lookups instead of
    # probing the email and website indexes. SET LOCAL ends with the transaction.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SET LOCAL enable_seqscan = off"))


def _prepare(
    batch: list[tuple[int, list[str]]], columns: HeaderMap, owners: Owners,
    report: ImportReport,
) -> list[PreparedRow]:
    prepared = []
    for row, cells in batch:
        if not any(cell.strip() for cell in cells):
            report.add_blank()  # spreadsheets often end with empty rows: not an error
            continue
        raw = columns.read(cells)
        try:
            prepared.append(PreparedRow(row, prepare_row(raw, owners), {}))
        except InvalidInput as error:
            prepared.append(PreparedRow(row, None, error.fields))
    return prepared


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _name_partners(report: ImportReport) -> None:
    ids = report.linked_partner_ids()
    if ids:
        rows = db.session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids)))
        report.partner_names = {partner_id: name for partner_id, name in rows}


def owner_choices() -> list[tuple[int, str]]:
    """(id, name) of every active user, for the default-owner menu."""
    rows = db.session.execute(
        select(User.id, User.name).where(User.is_active_user.is_(True)).order_by(User.name)
    )
    return [(user_id, name) for user_id, name in rows]
