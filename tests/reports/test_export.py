"""CSV exports: the report's tables as files a spreadsheet opens safely."""

from __future__ import annotations

from crm.reports.export import money, to_csv


def test_money_is_a_plain_decimal_amount():
    assert [money(123_450), money(5), money(-1_999), money(None)] == [
        "1234.50", "0.05", "-19.99", ""]


def test_text_that_a_spreadsheet_would_run_is_defused():
    text = to_csv((["partner", "revenue"], [["=HYPERLINK(\"http://evil\")", "-19.99"],
                                             ["@SUM(A1)", "12.00"], ["Jamie", 3]]))

    assert text.splitlines() == ["partner,revenue", '"\'=HYPERLINK(""http://evil"")",-19.99',
                                 "'@SUM(A1),12.00", "Jamie,3"]
