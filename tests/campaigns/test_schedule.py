"""When campaign emails are due, which subject a prospect gets, how many a sender may send:
pure functions, no app."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from outreach.business_hours import BusinessHours
from outreach.campaign_schedule import (
    daily_allowance,
    deferred_due,
    next_sender_day,
    sender_day,
    step_due,
    variant_for,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS_9_TO_5 = BusinessHours(frozenset(range(5)), time(9), time(17))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_step_three_days_after_enrolment_keeps_9am_local_across_spring_forward():
    # Given a London prospect enrolled Friday 27 March 2026, 10:00 GMT (UTC+0)
    enrolled = utc(2026, 3, 27, 10)
    # When step 2 (day 3) falls on Monday 30 March, after the clocks went forward (UTC+1)
    due = step_due(enrolled, 3, LONDON, WEEKDAYS_9_TO_5, enrolled)
    # Then it goes at 10:00 local, which is 09:00 UTC: days are the prospect's own days
    assert due == utc(2026, 3, 30, 9)
    assert due.astimezone(LONDON).time() == time(10)


def test_a_step_due_in_the_gap_of_spring_forward_goes_as_long_after_it_as_it_was_inside():
    # Enrolled Friday 6 March 2026 02:30 EST; two days on is Sunday 8 March 02:30, which does
    # not exist in New York (02:00 → 03:00). With a window opening at 02:00 every day the step
    # goes at 03:30 EDT: half an hour into the day's hours, as it was enrolled.
    every_day_early = BusinessHours(frozenset(range(7)), time(2), time(12))
    enrolled = datetime(2026, 3, 6, 2, 30, tzinfo=NEW_YORK).astimezone(UTC)
    due = step_due(enrolled, 2, NEW_YORK, every_day_early, enrolled)
    assert due == utc(2026, 3, 8, 7, 30)
    assert due.astimezone(NEW_YORK).time() == time(3, 30)


def test_a_step_due_in_the_evening_waits_for_9am_local_after_fall_back():
    # Friday 30 October 2026, 18:00 in New York (EDT, UTC-4), is after the window
    due = step_due(utc(2026, 10, 30, 22), 0, NEW_YORK, WEEKDAYS_9_TO_5, utc(2026, 10, 30, 22))
    # Monday 2 November opens at 09:00 EST (UTC-5), the clocks having gone back on Sunday
    assert due == utc(2026, 11, 2, 14)


def test_what_the_cap_defers_goes_out_at_the_prospects_next_window_after_the_senders_day():
    # The sender is in London; at 16:00 on Friday the cap is full. The New York prospect's
    # window is still open, but the next sender day starts at London midnight, and the
    # prospect's window opens on Monday at 09:00 New York time.
    now = utc(2026, 3, 6, 16)
    assert deferred_due(now, LONDON, NEW_YORK, WEEKDAYS_9_TO_5) == utc(2026, 3, 9, 13)


def test_the_senders_day_ends_at_their_local_midnight_on_the_night_clocks_change():
    # 28 March 2026, 23:30 GMT: London's next day starts at 00:00 GMT on the 29th (the jump
    # is at 01:00), so the next sender day begins half an hour later.
    assert next_sender_day(utc(2026, 3, 28, 23, 30), LONDON) == utc(2026, 3, 29, 0)
    # 25 October 2026, 23:30 UTC is 23:30 GMT; BST ended at 01:00 UTC that morning.
    assert next_sender_day(utc(2026, 10, 25, 23, 30), LONDON) == utc(2026, 10, 26, 0)
    # In New York the sender's day starts at 04:00 UTC in summer and 05:00 UTC in winter.
    assert next_sender_day(utc(2026, 7, 1, 12), NEW_YORK) == utc(2026, 7, 2, 4)
    assert next_sender_day(utc(2026, 12, 1, 12), NEW_YORK) == utc(2026, 12, 2, 5)
    assert sender_day(utc(2026, 7, 2, 3), NEW_YORK) == date(2026, 7, 1)


def test_a_zone_whose_midnight_does_not_exist_starts_the_day_after_the_gap():
    # Santiago moved its clocks from 00:00 to 01:00 on 6 September 2026 (UTC-4 → UTC-3).
    santiago = ZoneInfo("America/Santiago")
    start = next_sender_day(utc(2026, 9, 5, 12), santiago)
    assert start.astimezone(santiago).date() == date(2026, 9, 6)
    assert start == utc(2026, 9, 6, 4)


def test_variant_b_goes_to_every_other_enrollment_and_only_when_the_step_has_one():
    variants = [variant_for(enrollment_id, True) for enrollment_id in range(1, 101)]
    assert variants.count("A") == variants.count("B") == 50
    assert variant_for(7, True) == variant_for(7, True) == "B"
    assert {variant_for(n, False) for n in range(1, 11)} == {"A"}


def test_the_warm_up_ramps_up_to_the_cap_and_no_warm_up_is_the_cap_at_once():
    assert [daily_allowance(200, 20, 10, day) for day in (0, 1, 2, 17, 18, 40)] == [
        20, 30, 40, 190, 200, 200]
    assert daily_allowance(200, 0, 10, 0) == 200
    assert daily_allowance(50, 80, 10, 0) == 50
