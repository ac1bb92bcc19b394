"""A Berlin manager booking calls with a Los Angeles partner, across both DST changes."""

from datetime import UTC, datetime

import pytest

from crm.errors import InvalidInput
from outreach.meeting_times import describe, instant_from_local, local_view

BERLIN, LA = "Europe/Berlin", "America/Los_Angeles"


@pytest.mark.parametrize(("picked", "instant", "partner_sees"), [
    # Winter: Berlin UTC+1, LA UTC-8.
    (datetime(2026, 3, 2, 18, 0), datetime(2026, 3, 2, 17, 0, tzinfo=UTC), "09:00"),
    # 8 Mar: LA moves to UTC-7 at 02:00 local; Berlin has not moved yet.
    (datetime(2026, 3, 8, 18, 0), datetime(2026, 3, 8, 17, 0, tzinfo=UTC), "10:00"),
    # 29 Mar: Berlin moves to UTC+2 at 02:00 local.
    (datetime(2026, 3, 29, 18, 0), datetime(2026, 3, 29, 16, 0, tzinfo=UTC), "09:00"),
    # 25 Oct: Berlin back to UTC+1; LA still UTC-7 until 1 Nov.
    (datetime(2026, 10, 25, 18, 0), datetime(2026, 10, 25, 17, 0, tzinfo=UTC), "10:00"),
    (datetime(2026, 11, 1, 18, 0), datetime(2026, 11, 1, 17, 0, tzinfo=UTC), "09:00"),
])
def test_the_instant_and_the_partners_wall_clock(picked, instant, partner_sees):
    stored = instant_from_local(picked, BERLIN)

    assert stored == instant
    assert f"{local_view(stored, LA):%H:%M}" == partner_sees


def test_a_time_the_clocks_skip_is_refused_with_the_field():
    with pytest.raises(InvalidInput) as error:
        instant_from_local(datetime(2026, 3, 29, 2, 30), BERLIN)

    assert "02:30 does not exist in Europe/Berlin on 29 Mar 2026" in error.value.fields["starts_at"]


def test_a_time_that_happens_twice_is_its_first_occurrence():
    assert instant_from_local(datetime(2026, 10, 25, 2, 30), BERLIN) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC)


def test_an_unknown_zone_is_a_field_error():
    with pytest.raises(InvalidInput) as error:
        instant_from_local(datetime(2026, 3, 2, 18, 0), "Mars/Olympus")

    assert set(error.value.fields) == {"timezone"}


def test_an_aware_time_is_a_programming_error():
    with pytest.raises(ValueError):
        instant_from_local(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), BERLIN)


def test_describe():
    assert describe(datetime(2026, 3, 17, 15, 0, tzinfo=UTC), BERLIN) == (
        "Tue 17 Mar 2026, 16:00 (Europe/Berlin)")
