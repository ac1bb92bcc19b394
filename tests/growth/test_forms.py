"""Money typed into a form becomes whole cents, or a clear error on the fee field."""

import pytest

from crm.errors import InvalidInput
from crm.growth.common import money_input, parse_money


@pytest.mark.parametrize(("text", "cents"), [
    ("1,250.00", 125_000), ("1250", 125_000), ("1250.5", 125_050), ("0.99", 99),
    ("$1,250", 125_000), ("USD 1,250.00", 125_000), ("1,250.00 EUR", 125_000),
    ("1,000,000", 100_000_000), ("", None), ("   ", None), (None, None),
])
def test_money_is_parsed_to_whole_cents(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["-5", "1.250,00", "1,25", "12.345", "abc", "1 250", "1e3"])
def test_unclear_amounts_are_refused_on_the_fee_field(text):
    with pytest.raises(InvalidInput) as raised:
        parse_money(text)

    assert raised.value.fields == {"fee": "write the amount like 1,250.00 (no minus sign)"}


def test_cents_are_shown_back_the_way_they_are_typed():
    assert money_input(125_050) == "1,250.50"
    assert money_input(None) == ""
