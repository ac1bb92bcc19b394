"""Reading files as exported by Excel, Google Sheets, LinkedIn: dialects, encodings, errors."""

import codecs
import csv

import pytest

from crm.imports.reader import ImportFileError, inspect, read_rows
from tests.imports.helpers import write_csv

LIMIT = 64 * 2**20


def rows_of(path):
    return list(read_rows(inspect(path, LIMIT)))


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Name,Email\r\nAnn,ann@shop.com\r\n", ","),
        ("Name;Email;Notes\r\nAnn;ann@shop.com;likes 1,5 € coupons\r\n", ";"),
        ("Name\tEmail\nAnn\tann@shop.com\n", "\t"),
        ('"Name","Email"\n"Ann, the first","ann@shop.com"\n', ","),
    ],
    ids=["comma", "semicolon", "tab", "quoted"],
)
def test_dialect_is_detected(tmp_path, text, delimiter):
    layout = inspect(write_csv(tmp_path, text), LIMIT)

    assert layout.delimiter == delimiter
    assert layout.columns.columns["email"] == (1,)
    assert list(read_rows(layout))[0][1][1] == "ann@shop.com"


def test_doubled_quotes_after_a_sample_without_any_still_parse(tmp_path):
    lines = ["Name,Notes"] + [f"P{i},plain" for i in range(3000)] + ['Q,"a 5"" screen"']
    path = write_csv(tmp_path, "\n".join(lines) + "\n")

    assert rows_of(path)[-1][1] == ["Q", 'a 5" screen']


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    path = write_csv(tmp_path, codecs.BOM_UTF8 + "Name,Email\nZoë,zoe@shop.com\n".encode())

    layout = inspect(path, LIMIT)

    assert layout.encoding == "utf-8-sig"
    assert layout.columns.headers[0] == "Name"
    assert list(read_rows(layout)) == [(2, ["Zoë", "zoe@shop.com"])]


def test_utf16_with_bom_is_read(tmp_path):
    path = write_csv(tmp_path, "Name\tEmail\r\nZoë\tzoe@shop.com\r\n".encode("utf-16"))

    assert rows_of(path) == [(2, ["Zoë", "zoe@shop.com"])]


def test_row_numbers_are_spreadsheet_rows_counting_multiline_cells_once(tmp_path):
    path = write_csv(tmp_path, 'Name,Notes\nAnn,"two\nlines"\n\nBob,x\n')

    assert [number for number, _ in rows_of(path)] == [2, 3, 4]


def test_linkedin_notes_above_the_header_are_skipped(tmp_path):
    path = write_csv(
        tmp_path,
        'Notes:\n"When exporting your connection data, some emails may be missing."\n\n'
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "Ann,Lee,https://www.linkedin.com/in/annlee,,Shop,CEO,01 Mar 2026\n",
    )

    layout = inspect(path, LIMIT)

    assert layout.header_row == 4
    assert rows_of(path)[0][0] == 5
    assert layout.columns.ignored == ("Position", "Connected On")


def test_excel_sep_line_sets_the_delimiter_and_is_not_a_row(tmp_path):
    path = write_csv(tmp_path, "sep=;\r\nName;Email\r\nAnn;ann@shop.com\r\n")

    layout = inspect(path, LIMIT)

    assert (layout.delimiter, layout.header_row) == (";", 1)
    assert list(read_rows(layout)) == [(2, ["Ann", "ann@shop.com"])]


def test_classic_mac_line_endings_are_read(tmp_path):
    path = write_csv(tmp_path, "Name,Email\rAnn,ann@shop.com\rBob,bob@shop.com\r")

    assert [cells[0] for _, cells in rows_of(path)] == ["Ann", "Bob"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"  \r\n\r\n", "blank"),
        (b"Phone,Country\n123,DE\n", "No header row found"),
        (b"Name,Email\nAnn,ann@shop.com\x00\x01\x02\n", "not a text file"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
    ],
    ids=["empty", "blank", "no-header", "binary", "xlsx"],
)
def test_a_bad_file_is_refused_with_a_clear_message(tmp_path, content, message):
    with pytest.raises(ImportFileError, match=message):
        inspect(write_csv(tmp_path, content), LIMIT)


def test_latin1_is_refused_naming_the_line_and_byte(tmp_path):
    text = "Name,Email\nAnn,ann@shop.com\nJosé,jose@shop.com\n"
    path = write_csv(tmp_path, text.encode("latin-1"))

    with pytest.raises(ImportFileError) as refused:
        inspect(path, LIMIT)

    assert "not UTF-8: line 3" in refused.value.message
    assert "0xE9 at byte offset 31" in refused.value.message
    assert "CSV UTF-8" in refused.value.message


def test_latin1_after_the_first_64_kb_is_found_while_reading(tmp_path):
    good = "".join(f"Partner {i},p{i}@shop.com\n" for i in range(4000))
    bad = "José,j@shop.com\n".encode("cp1252")
    path = write_csv(tmp_path, ("Name,Email\n" + good).encode() + bad)

    with pytest.raises(ImportFileError, match="not UTF-8: line 4002"):
        rows_of(path)


def test_a_file_over_the_limit_is_refused(tmp_path):
    path = write_csv(tmp_path, "Name,Email\n" + "Ann,ann@shop.com\n" * 10)

    with pytest.raises(ImportFileError, match="the limit is"):
        inspect(path, max_bytes=100)


def test_a_cell_over_the_csv_field_limit_names_its_row(tmp_path):
    huge = "x" * (csv.field_size_limit() + 1)
    path = write_csv(tmp_path, f'Name,Notes\nAnn,ok\nBob,"{huge}"\n')

    with pytest.raises(ImportFileError, match="Row 3 cannot be read: a cell is longer than"):
        rows_of(path)
