"""Opening a recruitment list: size, encoding and dialect checks, the header, streamed rows.

Nothing here reads the whole file into memory: the checks look at the first 64 KB and the
rows are parsed as they are read.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crm.errors import DomainError
from crm.imports.headers import HeaderMap, map_headers

SAMPLE_BYTES = 64 * 1024
BINARY_PROBE_BYTES = 8 * 1024
HEADER_SEARCH_ROWS = 10  # LinkedIn exports put a few lines of notes above the header
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SAVE_AS_UTF8 = (
    "Save it as “CSV UTF-8” (Excel: File › Save As › CSV UTF-8; Google Sheets: "
    "File › Download › CSV) and try again."
)
SEP_LINE = re.compile(r"^sep=(.)\r?\n?$")  # Excel's "sep=;" first line


class ImportFileError(DomainError):
    """The file as a whole cannot be imported; the message says why and what to do."""

    code = "bad_file"
    status = 422


@dataclass(frozen=True)
class CsvLayout:
    """How to read one file: encoding, delimiter and where the header is."""

    path: Path
    encoding: str
    delimiter: str
    skipinitialspace: bool
    skips_sep_line: bool
    header_row: int  # as a spreadsheet numbers it: the first row is 1
    columns: HeaderMap

    @property
    def description(self) -> str:
        encoding = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16"}
        return (
            f"{encoding[self.encoding]}, {DELIMITER_NAMES[self.delimiter]}-separated, "
            f"header on row {self.header_row}"
        )

    def dialect(self) -> type[csv.Dialect]:
        # Only the delimiter comes from sniffing: Sniffer guesses doublequote=False when the
        # sample has no "" in it, which would break a later cell like "5"" screen".
        return type("ImportDialect", (csv.excel,), {
            "delimiter": self.delimiter, "skipinitialspace": self.skipinitialspace,
        })


def inspect(path: Path, max_bytes: int) -> CsvLayout:
    """Check the file and find its layout, or raise ImportFileError saying what is wrong."""
    encoding, sample = read_sample(path, max_bytes)
    return _layout(path, encoding, sample)


def read_sample(path: Path, max_bytes: int) -> tuple[str, str]:
    """(encoding, the first 64 KB as text, whole lines) of a CSV file that passes the checks.

    Any CSV upload (recruitment lists, performance exports) goes through these checks: size,
    Excel workbooks, binary data, encoding, blank files.
    """
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
    return encoding, _decoded_sample(path, head, encoding)


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # its text is full of NUL bytes, so skip the binary probe
    else:
        encoding = "utf-8"
    if head.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            "This is an Excel workbook (.xlsx), not a CSV file. " + SAVE_AS_UTF8
        )
    if b"\x00" in head[:BINARY_PROBE_BYTES]:
        raise ImportFileError(
            "This is not a text file (it contains binary data). " + SAVE_AS_UTF8
        )
    return encoding


def _decoded_sample(path: Path, head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        sample = decoder.decode(head, final=len(head) < SAMPLE_BYTES)
    except UnicodeDecodeError:
        raise decode_error(path, encoding) from None
    if "\x00" in sample:
        raise ImportFileError("This is not a text file (it contains NUL characters).")
    if not sample.strip():
        raise ImportFileError("The file has no rows: it is blank.")
    if len(head) == SAMPLE_BYTES:  # drop the last, probably cut, line
        sample = sample[: max(sample.rfind("\n"), sample.rfind("\r")) + 1] or sample
    return sample


def decode_error(path: Path, encoding: str) -> ImportFileError:
    """Find the first undecodable byte and name its line and offset."""
    if encoding == "utf-16":
        return ImportFileError("The file starts like UTF-16 text but is not. " + SAVE_AS_UTF8)
    offset = 0
    with open(path, "rb") as binary:
        for line_number, line in enumerate(binary, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as error:
                byte = line[error.start]
                return ImportFileError(
                    f"The file is not UTF-8: line {line_number} has a byte it cannot read "
                    f"(0x{byte:02X} at byte offset {offset + error.start}). " + SAVE_AS_UTF8
                )
            offset += len(line)
    return ImportFileError("The file is not UTF-8. " + SAVE_AS_UTF8)


def _layout(path: Path, encoding: str, sample: str) -> CsvLayout:
    first_line = io.StringIO(sample, newline="").readline()
    sep = SEP_LINE.match(first_line)
    if sep and sep.group(1) in DELIMITERS:
        sample = sample[len(first_line):]
        candidates = [(sep.group(1), False)]
    else:
        candidates = _candidates(sample)
    for delimiter, skipinitialspace in candidates:
        found = _find_header(sample, delimiter, skipinitialspace)
        if found is not None:
            header_row, columns = found
            return CsvLayout(
                path, encoding, delimiter, skipinitialspace, bool(sep), header_row, columns
            )
    raise ImportFileError(
        "No header row found: the first rows have no column called Name, Email, Website or "
        "Company. Put the column names in the first row and try again."
    )


def _candidates(sample: str) -> list[tuple[str, bool]]:
    """The sniffed delimiter first, then the usual ones, each tried for a header."""
    candidates = []
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        candidates.append((sniffed.delimiter, bool(sniffed.skipinitialspace)))
    except csv.Error:
        pass
    candidates += [(delimiter, False) for delimiter in ",;\t"]
    return list(dict.fromkeys(candidates))


def _find_header(sample: str, delimiter: str, skipinitialspace: bool):
    reader = csv.reader(
        io.StringIO(sample, newline=""), delimiter=delimiter, skipinitialspace=skipinitialspace
    )
    try:
        for row_number, cells in enumerate(reader, start=1):
            columns = map_headers(cells)
            if columns.recognisable:
                return row_number, columns
            if row_number >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        return None
    return None


def read_rows(layout: CsvLayout) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cells) for every row after the header, streamed."""
    row_number = 0
    with open(layout.path, encoding=layout.encoding, newline="") as text:
        if layout.skips_sep_line:
            text.readline()
        reader = csv.reader(text, layout.dialect())
        try:
            for row_number, cells in enumerate(reader, start=1):
                if row_number > layout.header_row:
                    yield row_number, cells
        except UnicodeDecodeError:
            raise decode_error(layout.path, layout.encoding) from None
        except csv.Error as error:
            raise _csv_error(row_number + 1, error) from None


def _csv_error(row_number: int, error: csv.Error) -> ImportFileError:
    reason = str(error)
    if "field larger than field limit" in reason:
        reason = (
            f"a cell is longer than {csv.field_size_limit():,} characters; "
            'look for a quote (") that is opened and never closed'
        )
    elif "NUL" in reason:
        reason = "it contains a NUL character; is this really a CSV file?"
    return ImportFileError(f"Row {row_number} cannot be read: {reason}.")
