"""Opening a performance export: the file checks every CSV upload gets, the header, streamed rows.

The checks (crm.imports.reader.read_sample) read the first 64 KB; the rows are parsed as they
are read. Row numbers are the ones a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crm.imports.reader import ImportFileError, decode_error, read_sample
from crm.performance.columns import Columns, map_columns

DELIMITERS = ",;\t|"

__all__ = ["ImportFileError", "PerformanceFile", "open_file"]


@dataclass(frozen=True)
class PerformanceFile:
    """A checked file: how to decode and split it, and what its columns mean."""

    path: Path
    encoding: str
    delimiter: str
    columns: Columns

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, field → text) for every row after the header, streamed."""
        row_number = 1
        with open(self.path, encoding=self.encoding, newline="") as text:
            reader = csv.reader(text, delimiter=self.delimiter)
            try:
                next(reader)  # the header
                for row_number, cells in enumerate(reader, start=2):
                    if any(cell.strip() for cell in cells):
                        yield row_number, self.columns.read(cells)
            except UnicodeDecodeError:
                raise decode_error(self.path, self.encoding) from None
            except csv.Error as error:
                raise ImportFileError(f"Row {row_number + 1} cannot be read: {error}.") from None


def open_file(path: Path, max_bytes: int, client_given: bool) -> PerformanceFile:
    """Check the file and read its header, or raise ImportFileError saying what is wrong."""
    encoding, sample = read_sample(path, max_bytes)
    header_line = sample.splitlines()[0]
    delimiter = max(DELIMITERS, key=header_line.count)
    cells = next(csv.reader([header_line], delimiter=delimiter))
    columns = map_columns(cells, skip=frozenset({"client"}) if client_given else frozenset())
    missing = columns.missing(client_given)
    if missing:
        raise ImportFileError(
            "The first row must name the columns, and it has no " + "; no ".join(missing) +
            f". Found: {', '.join(repr(c) for c in columns.headers if c) or 'nothing'}."
        )
    return PerformanceFile(path, encoding, delimiter, columns)
