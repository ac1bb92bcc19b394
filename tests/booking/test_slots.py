"""Slot computation as pure functions: no app, no database, the clock as an argument."""

from datetime import UTC, date, datetime, timedelta

import pytest

from crm.booking.slots import Rules, Slot, by_day, free_slots

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"
NINE_TO_FIVE = {day: [(9 * 60, 12 * 60), (13 * 60, 17 * 60)] for day in range(5)}
# Tuesday 10 March 2026, 14:00 UTC (15:00 in Berlin, 10:00 in New York).
NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def rules(**changes) -> Rules:
    values = dict(zone=BERLIN, weekly=NINE_TO_FIVE, call_minutes=30,
                  horizon=timedelta(days=14))
    values.update(changes)
    return Rules(**values)


def local_starts(slots, zone: str, day: date) -> list[str]:
    return [label for found in by_day(slots, zone) if found.day == day
            for _, label in found.slots]


def test_hours_on_the_managers_clock_are_shown_on_the_visitors():
    # Given a Berlin manager taking calls 09:00-12:00 and 13:00-17:00
    slots = free_slots(rules(), NOW)

    # Then on Wednesday the Berlin morning is the New York night (5 hours between them while
    # only the US is on summer time), and on 31 March, once Europe changes too, 6 again
    assert local_starts(slots, NEW_YORK, date(2026, 3, 11))[:3] == ["04:00", "04:30", "05:00"]
    assert local_starts(slots, BERLIN, date(2026, 3, 11))[:3] == ["09:00", "09:30", "10:00"]
    assert local_starts(slots, BERLIN, date(2026, 3, 11))[-1] == "16:30"
    wide = free_slots(rules(horizon=timedelta(days=30)), NOW)
    assert local_starts(wide, NEW_YORK, date(2026, 3, 31))[0] == "03:00"
    assert local_starts(wide, BERLIN, date(2026, 3, 31))[0] == "09:00"


def test_the_visitors_own_clock_change_moves_what_they_see():
    # Given the Berlin hours seen from New York around the US spring change (8 March)
    slots = free_slots(rules(), utc(2026, 3, 5, 6, 0))

    # Then Friday's 09:00 Berlin is 03:00 in New York, and Monday's is 04:00
    assert local_starts(slots, NEW_YORK, date(2026, 3, 6))[0] == "03:00"
    assert local_starts(slots, NEW_YORK, date(2026, 3, 9))[0] == "04:00"


def test_a_slot_touching_another_call_within_the_buffer_is_not_offered():
    # Given a call on Wednesday 10:00-10:30 Berlin (09:00 UTC) and a 10-minute buffer
    call = (utc(2026, 3, 11, 9, 0), utc(2026, 3, 11, 9, 30))
    slots = free_slots(rules(buffer_minutes=10), NOW, calls=[call])

    # Then neither 09:30 (ends at 10:00) nor 10:30 (starts as the call ends) is offered
    assert local_starts(slots, BERLIN, date(2026, 3, 11))[:4] == ["09:00", "11:00", "11:30",
                                                                    "13:00"]
    # And without a buffer both neighbours are free
    plain = free_slots(rules(), NOW, calls=[call])
    assert local_starts(plain, BERLIN, date(2026, 3, 11))[:3] == ["09:00", "09:30", "10:30"]


def test_busy_times_from_the_calendar_are_avoided_even_when_they_overlap():
    busy = [(utc(2026, 3, 11, 8, 15), utc(2026, 3, 11, 9, 0)),   # 09:15-10:00 Berlin
            (utc(2026, 3, 11, 8, 45), utc(2026, 3, 11, 10, 5))]  # 09:45-11:05 Berlin

    slots = free_slots(rules(), NOW, busy=busy)

    # 09:00-09:30 meets the first, 11:00-11:30 the end of the second
    assert local_starts(slots, BERLIN, date(2026, 3, 11))[:3] == ["11:30", "13:00", "13:30"]


def test_nothing_is_offered_sooner_than_the_notice_or_beyond_the_horizon():
    slots = free_slots(rules(notice=timedelta(hours=20), horizon=timedelta(days=2)), NOW)

    # 20 hours after Tuesday 15:00 Berlin is Wednesday 11:00; two days is Thursday 15:00
    assert slots[0].start == utc(2026, 3, 11, 10, 0)
    assert slots[-1].start == utc(2026, 3, 12, 13, 30)
    assert all(NOW + timedelta(hours=20) <= s.start < NOW + timedelta(days=2) for s in slots)


def test_a_day_with_the_maximum_of_calls_on_the_managers_calendar_is_full():
    # Given a limit of two calls a day: two on Wednesday in Berlin, one of them at 00:30
    # Berlin, which is still Tuesday in UTC; and one on Thursday
    calls = [(utc(2026, 3, 10, 23, 30), utc(2026, 3, 11, 0, 0)),
             (utc(2026, 3, 11, 16, 0), utc(2026, 3, 11, 16, 30)),
             (utc(2026, 3, 12, 9, 0), utc(2026, 3, 12, 9, 30))]

    slots = free_slots(rules(max_per_day=2), NOW, calls=calls)

    assert local_starts(slots, BERLIN, date(2026, 3, 11)) == []
    assert len(local_starts(slots, BERLIN, date(2026, 3, 12))) == 13
    assert len(local_starts(slots, BERLIN, date(2026, 3, 13))) == 14


def test_dates_off_and_days_without_hours_offer_nothing():
    slots = free_slots(rules(dates_off=frozenset({date(2026, 3, 12)})), NOW)
    days = [found.day for found in by_day(slots, BERLIN)]

    assert date(2026, 3, 12) not in days
    assert date(2026, 3, 14) not in days and date(2026, 3, 15) not in days  # the weekend
    assert date(2026, 3, 13) in days


def test_the_hour_that_does_not_exist_when_clocks_go_forward_offers_nothing():
    # Given hours 01:00-04:00 on Sunday 29 March 2026, when Berlin skips 02:00-03:00
    night = rules(weekly={6: [(60, 240)]}, horizon=timedelta(days=30))

    slots = free_slots(night, NOW)

    assert local_starts(slots, BERLIN, date(2026, 3, 29)) == ["01:00", "01:30", "03:00",
                                                                "03:30"]
    assert local_starts(slots, BERLIN, date(2026, 3, 22)) == ["01:00", "01:30", "02:00",
                                                                "02:30", "03:00", "03:30"]


def test_the_hour_that_happens_twice_when_clocks_go_back_is_offered_twice_and_labelled():
    # Given hours 01:00-04:00 on Sunday 25 October 2026, when Berlin repeats 02:00-03:00
    night = rules(weekly={6: [(60, 240)]}, horizon=timedelta(days=30))

    slots = free_slots(night, utc(2026, 10, 20, 12, 0))

    assert local_starts(slots, BERLIN, date(2026, 10, 25)) == [
        "01:00", "01:30", "02:00 CEST", "02:30 CEST", "02:00 CET", "02:30 CET", "03:00",
        "03:30"]
    assert len({slot.start for slot in slots}) == len(slots)


def test_a_visitor_whose_clocks_go_back_sees_the_repeated_hour_once_per_offset():
    # Given a Tokyo manager (no summer time) working 14:00-16:00, seen from New York on the
    # night of 1 November 2026, when New York repeats 01:00-02:00
    tokyo = rules(zone="Asia/Tokyo", weekly={6: [(14 * 60, 16 * 60)]},
                  horizon=timedelta(days=30))

    slots = free_slots(tokyo, utc(2026, 10, 28, 0, 0))

    assert local_starts(slots, NEW_YORK, date(2026, 11, 1)) == [
        "01:00 EDT", "01:30 EDT", "01:00 EST", "01:30 EST"]


@pytest.mark.parametrize("slot", [Slot(utc(2026, 3, 11, 8, 0), utc(2026, 3, 11, 8, 30))])
def test_a_slot_is_the_call_length_long(slot):
    assert slot in free_slots(rules(), NOW)
    assert all(s.end - s.start == timedelta(minutes=30) for s in free_slots(rules(), NOW))
