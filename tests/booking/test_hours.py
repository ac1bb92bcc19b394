"""Weekly hours and dates off as typed: parsed exactly, or refused with a sentence. Pure."""

from datetime import date

import pytest

from crm.booking.hours import (
    days_off,
    format_dates_off,
    format_hours,
    parse_dates_off,
    parse_hours,
)


def test_several_intervals_in_any_order_and_spelling_are_read_and_sorted():
    assert parse_hours("13:00 - 17:30; 9.00–12:00, 18h00 to 24:00") == [
        (540, 720), (780, 1050), (1080, 1440)]
    assert format_hours([[540, 720], [780, 1050]]) == "09:00-12:00, 13:00-17:30"
    assert parse_hours("  ") == []


@pytest.mark.parametrize(("text", "message"), [
    ("12:00-09:00", "12:00-09:00 ends before it starts"),
    ("09:00-09:00", "09:00-09:00 is empty (it ends when it starts)"),
    ("09:00-12:00, 11:00-13:00", "09:00-12:00 and 11:00-13:00 overlap"),
    ("9am-5pm", "“9am-5pm” is not a time range like 09:00-12:30"),
    ("09:00-25:00", "09:00-25:00 has a time that does not exist"),
    ("24:00-24:30", "24:00-24:30 has a time that does not exist"),
])
def test_impossible_hours_are_refused_with_the_reason(text, message):
    with pytest.raises(ValueError) as refused:
        parse_hours(text)

    assert str(refused.value) == message


def test_dates_off_are_single_days_or_ranges_one_a_line():
    ranges = parse_dates_off("2026-08-03 to 2026-08-05\n\n2026-04-03\n")

    assert ranges == [(date(2026, 4, 3), date(2026, 4, 3)), (date(2026, 8, 3), date(2026, 8, 5))]
    stored = [[a.isoformat(), b.isoformat()] for a, b in ranges]
    assert format_dates_off(stored) == "2026-04-03\n2026-08-03 to 2026-08-05"
    assert days_off(stored, date(2026, 8, 4), date(2026, 9, 1)) == {date(2026, 8, 4),
                                                                    date(2026, 8, 5)}


@pytest.mark.parametrize(("text", "message"), [
    ("2026-04-03\nEaster", "line 2: “Easter” is not a date like 2026-04-03 or a range like "
                           "2026-08-03 to 2026-08-14"),
    ("2026-02-30", "line 1: “2026-02-30” is not a date like 2026-04-03 or a range like "
                   "2026-08-03 to 2026-08-14"),
    ("2026-08-14 to 2026-08-03", "line 1: 2026-08-14 to 2026-08-03 ends before it starts"),
])
def test_unreadable_dates_off_name_their_line(text, message):
    with pytest.raises(ValueError) as refused:
        parse_dates_off(text)

    assert str(refused.value) == message
