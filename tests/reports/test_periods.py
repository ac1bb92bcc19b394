"""Report periods: named ranges pinned exactly, custom ranges checked, the previous period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from crm.errors import InvalidInput
from crm.reports.periods import Period, custom, named, parse

TODAY = date(2026, 3, 10)


@pytest.mark.parametrize(("kind", "start", "end"), [
    ("this_month", date(2026, 3, 1), date(2026, 3, 10)),
    ("last_month", date(2026, 2, 1), date(2026, 2, 28)),
    ("this_quarter", date(2026, 1, 1), date(2026, 3, 10)),
    ("last_quarter", date(2025, 10, 1), date(2025, 12, 31)),
    ("last_12_months", date(2025, 3, 11), date(2026, 3, 10)),
])
def test_named_periods_count_whole_days_from_today(kind, start, end):
    assert named(kind, TODAY) == Period(kind, start, end)


def test_last_month_in_january_is_december_of_the_year_before():
    assert named("last_month", date(2026, 1, 15)) == Period("last_month", date(2025, 12, 1),
                                                            date(2025, 12, 31))


def test_last_12_months_from_a_leap_day_clamps_to_the_month_end():
    assert named("last_12_months", date(2028, 2, 29)).start == date(2027, 3, 1)


def test_the_previous_period_has_equal_length_and_ends_the_day_before():
    period = named("last_month", TODAY)  # February: 28 days

    previous = period.previous()

    assert (previous.start, previous.end) == (date(2026, 1, 4), date(2026, 1, 31))
    assert previous.days == period.days == 28


def test_a_period_spans_utc_instants_from_its_first_day_to_the_day_after_its_last():
    period = custom(date(2026, 2, 1), date(2026, 2, 28))

    assert period.starts_at == datetime(2026, 2, 1, tzinfo=UTC)
    assert period.ends_before == datetime(2026, 3, 1, tzinfo=UTC)


def test_parse_reads_custom_iso_dates():
    assert parse("custom", "2026-01-05", "2026-01-11", TODAY) == Period(
        "custom", date(2026, 1, 5), date(2026, 1, 11))


def test_dates_edited_beside_a_named_period_make_it_custom():
    assert parse("last_month", "2026-02-01", "2026-02-28", TODAY).kind == "last_month"
    assert parse("last_month", "2026-02-03", "2026-02-28", TODAY) == Period(
        "custom", date(2026, 2, 3), date(2026, 2, 28))


def test_parse_defaults_to_last_month():
    assert parse(None, None, None, TODAY).kind == "last_month"


@pytest.mark.parametrize(("start", "end", "field"), [
    ("2026-01-11", "2026-01-05", "end"),
    ("yesterday", "2026-01-05", "start"),
    ("2026-01-05", "", "end"),
    ("2020-01-01", "2026-01-01", "end"),
])
def test_bad_custom_ranges_are_refused_with_the_field_to_fix(start, end, field):
    with pytest.raises(InvalidInput) as refused:
        parse("custom", start, end, TODAY)

    assert field in refused.value.fields


def test_an_unknown_period_kind_is_refused():
    with pytest.raises(InvalidInput) as refused:
        parse("fortnight", None, None, TODAY)

    assert "period" in refused.value.fields
