"""Opening a performance export: size, encoding and binary checks, the header, streamed rows.

The checks read the first 64 KB; the rows are parsed as they are read. Row numbers are the
ones a spreadsheet shows: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crm.imports.reader import SAVE_AS_UTF8, ImportFileError, decode_error
from crm.performance.columns import Columns, map_columns

SAMPLE_BYTES = 64 * 1024
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
    size = os.path.getsize(path)
    if size == 0:
        raise ImportFileError("The file is empty.")
    if size > max_bytes:
        raise ImportFileError(
            f"The file is {size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.1f} MB. "
            "Split it into smaller files."
        )
    with open(path, "rb") as binary:
        head = binary.read(SAMPLE_BYTES)
    encoding = _encoding(head)
    header_line = _header_line(path, head, encoding)
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


def _encoding(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError("This is an Excel workbook (.xlsx), not a CSV file. " + SAVE_AS_UTF8)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head[:8192]:
        raise ImportFileError("This is not a text file (it contains binary data). " + SAVE_AS_UTF8)
    return "utf-8"


def _header_line(path: Path, head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        sample = decoder.decode(head, final=len(head) < SAMPLE_BYTES)
    except UnicodeDecodeError:
        raise decode_error(path, encoding) from None
    if not sample.strip():
        raise ImportFileError("The file has no rows: it is blank.")
    return sample.splitlines()[0]
