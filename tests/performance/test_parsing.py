"""The pure parts: money, counts, days and header spellings, pinned exactly."""

from datetime import date

import pytest

from crm.performance.columns import map_columns
from crm.performance.money import InvalidMoney, format_money, parse_money
from crm.performance.rows import parse_count, parse_day

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize("text, cents", [
    ("1,234.50", 123450), ("$1,234.50", 123450), ("1234.5", 123450), ("12", 1200),
    ("0.05", 5), ("-12.00", -1200), ("-$12.00", -1200), ("$-3", -300), ("(3.50)", -350),
    ("USD 7.25", 725), ("7.25 usd", 725), (" 1,000,000 ", 100000000),
])
def test_money_in_the_spellings_exports_use_becomes_whole_cents(text, cents):
    assert parse_money(text, "USD") == cents


@pytest.mark.parametrize("text, reason", [
    ("12,5", "decimal comma"), ("1.234,50", "not an amount"), ("1.005", "more than 2 decimals"),
    ("abc", "not an amount"), ("1,23,4", "not an amount"), ("EUR 5.00", "is in EUR"),
])
def test_money_that_is_ambiguous_or_in_another_currency_is_refused(text, reason):
    with pytest.raises(InvalidMoney, match=reason):
        parse_money(text, "USD")


def test_money_is_shown_with_the_currency_of_the_program():
    assert format_money(123450, "USD") == "$1,234.50"
    assert format_money(-1200, "EUR") == "-€12.00"
    assert format_money(5, "CHF") == "0.05 CHF"


def test_counts_take_thousands_separators_and_blank_is_zero():
    assert parse_count("1,234") == 1234
    assert parse_count("") == 0
    assert parse_count("7.0") == 7


@pytest.mark.parametrize("text, reason", [
    ("-3", "negative"), ("2.5", "not a whole number"), ("many", "not a whole number"),
])
def test_counts_must_be_whole_and_not_negative(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_count(text)


def test_days_are_iso_only():
    assert parse_day("2026-03-09", TODAY) == date(2026, 3, 9)
    assert parse_day("2026/03/09", TODAY) == date(2026, 3, 9)
    for text, reason in [("09/03/2026", "not a date like 2026-03-09"),
                         ("03/09/2026", "03/04 could be either"), ("2026-02-30", "not a real"),
                         ("2026-03-12", "in the future"), ("", "missing")]:
        with pytest.raises(ValueError, match=reason):
            parse_day(text, TODAY)


@pytest.mark.parametrize("headers, fields", [
    (["Date", "Publisher", "Advertiser", "Clicks", "Sales", "Sale Amount", "Commission"],
     ["Date", "Partner", "Client", "Clicks", "Conversions", "Revenue", "Commission"]),
    (["Day", "Affiliate", "Program", "Clicks", "Actions", "Sales Amount", "Payout"],
     ["Date", "Partner", "Client", "Clicks", "Conversions", "Revenue", "Commission"]),
    (["date", "Partner ID", "client", "clicks", "Orders", "revenue", "payout"],
     ["Date", "Partner ID", "Client", "Clicks", "Conversions", "Revenue", "Commission"]),
    (["Date", "E-mail", "Website", "Partner", "Conversions"],
     ["Date", "Email", "Website", "Partner", "Conversions"]),
])
def test_network_header_spellings_map_to_the_figures(headers, fields):
    columns = map_columns(headers)

    assert [field for _, field in columns.used()] == fields
    assert columns.ignored == ()


def test_unknown_headers_are_ignored_and_named():
    columns = map_columns(["Date", "Email", "Client", "Clicks", "Sub ID"])

    assert columns.ignored == ("Sub ID",)
    assert columns.missing(client_given=False) == []
    assert map_columns(["Email", "Clicks"]).missing(client_given=True) == ["a Date column"]
