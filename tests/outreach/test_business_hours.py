"""Sequence steps wait for the partner's business hours, in the partner's time zone."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from outreach.business_hours import BusinessHours, next_send_time

WEEKDAYS_9_TO_5 = BusinessHours()
LA = ZoneInfo("America/Los_Angeles")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_inside_the_window_sends_at_once():
    # Tuesday 2026-03-10 10:00 in Berlin is 09:00 UTC.
    assert next_send_time(utc(2026, 3, 10, 9), BERLIN, WEEKDAYS_9_TO_5) == utc(2026, 3, 10, 9)


def test_before_opening_waits_for_nine_local():
    # 05:00 UTC is 06:00 in Berlin (CET): wait until 09:00 CET = 08:00 UTC.
    assert next_send_time(utc(2026, 3, 10, 5), BERLIN, WEEKDAYS_9_TO_5) == utc(2026, 3, 10, 8)


def test_after_closing_waits_for_the_next_morning():
    # Tuesday 17:30 in Berlin → Wednesday 09:00 CET.
    assert next_send_time(utc(2026, 3, 10, 16, 30), BERLIN, WEEKDAYS_9_TO_5) == utc(
        2026, 3, 11, 8
    )


def test_friday_evening_waits_for_monday():
    # Friday 2026-03-13 18:00 in Los Angeles (PDT since 8 March) → Monday 09:00 PDT = 16:00 UTC.
    assert next_send_time(utc(2026, 3, 14, 1), LA, WEEKDAYS_9_TO_5) == utc(2026, 3, 16, 16)


def test_the_same_instant_is_inside_for_one_partner_and_outside_for_another():
    instant = utc(2026, 3, 10, 15)  # 16:00 in Berlin, 08:00 in Los Angeles
    assert next_send_time(instant, BERLIN, WEEKDAYS_9_TO_5) == instant
    assert next_send_time(instant, LA, WEEKDAYS_9_TO_5) == utc(2026, 3, 10, 16)


def test_across_the_spring_dst_change_nine_local_moves_in_utc():
    # US clocks go forward on Sunday 2026-03-08. Friday 9:00 PST = 17:00 UTC;
    # the next window after Friday closes is Monday 9:00 PDT = 16:00 UTC.
    assert next_send_time(utc(2026, 3, 6, 12), LA, WEEKDAYS_9_TO_5) == utc(2026, 3, 6, 17)
    assert next_send_time(utc(2026, 3, 7, 2), LA, WEEKDAYS_9_TO_5) == utc(2026, 3, 9, 16)


def test_autumn_dst_change_in_europe():
    # Berlin falls back on Sunday 2026-10-25: Friday 09:00 CEST = 07:00 UTC,
    # Monday 09:00 CET = 08:00 UTC.
    assert next_send_time(utc(2026, 10, 23, 5), BERLIN, WEEKDAYS_9_TO_5) == utc(2026, 10, 23, 7)
    assert next_send_time(utc(2026, 10, 24, 5), BERLIN, WEEKDAYS_9_TO_5) == utc(2026, 10, 26, 8)


def test_a_window_opening_inside_a_dst_gap_opens_when_the_clock_jumps():
    # Opening at 02:30 on the US spring-forward Sunday: 02:30 does not exist; 03:00 PDT does.
    sunday_early = BusinessHours(frozenset({6}), time(2, 30), time(5, 0))
    assert next_send_time(utc(2026, 3, 8, 9), LA, sunday_early) == utc(2026, 3, 8, 10)


def test_configured_hours_are_respected():
    saturday_mornings = BusinessHours(frozenset({5}), time(8, 0), time(12, 0))
    assert next_send_time(utc(2026, 3, 10, 9), BERLIN, saturday_mornings) == utc(2026, 3, 14, 7)


@pytest.mark.parametrize("bad", [dict(weekdays=frozenset()), dict(start=time(17), end=time(9))])
def test_an_impossible_window_is_refused(bad):
    with pytest.raises(ValueError):
        BusinessHours(**bad)
