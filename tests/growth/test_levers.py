"""The suggestion rule: the client's first preferred lever that is not in use today."""

from datetime import date
from types import SimpleNamespace

import pytest

from crm.growth.levers import levers_in_use, placement_state, promotion_state, suggest_lever

TODAY = date(2026, 3, 10)


def change(effective_on: date):
    return SimpleNamespace(effective_on=effective_on)


def placement(starts_on: date, ends_on: date):
    return SimpleNamespace(starts_on=starts_on, ends_on=ends_on)


def promotion(starts_on: date, ends_on: date | None = None, code: str = ""):
    return SimpleNamespace(starts_on=starts_on, ends_on=ends_on, code=code)


def in_use(changes=(), placements=(), promotions=()):
    return levers_in_use(TODAY, changes, placements, promotions)


def test_nothing_recorded_means_nothing_in_use():
    assert in_use() == set()


@pytest.mark.parametrize(("effective_on", "used"), [
    (date(2026, 3, 10), True),     # today
    (date(2025, 12, 10), True),    # exactly 90 days ago
    (date(2025, 12, 9), False),    # 91 days ago
    (date(2026, 4, 1), True),      # scheduled: already decided
])
def test_a_commission_change_counts_for_90_days_and_while_scheduled(effective_on, used):
    assert ("commission_increase" in in_use(changes=[change(effective_on)])) is used


@pytest.mark.parametrize(("starts_on", "ends_on", "state"), [
    (date(2026, 3, 1), date(2026, 3, 9), "ended"),
    (date(2026, 3, 1), date(2026, 3, 10), "running"),   # the end day is included
    (date(2026, 3, 10), date(2026, 3, 10), "running"),  # a one-day placement, today
    (date(2026, 3, 11), date(2026, 3, 20), "upcoming"),
])
def test_placement_state_counts_both_days(starts_on, ends_on, state):
    assert placement_state(placement(starts_on, ends_on), TODAY) == state


def test_a_running_or_booked_placement_is_in_use_an_ended_one_is_not():
    assert in_use(placements=[placement(date(2026, 3, 1), date(2026, 3, 12))]) == {
        "paid_placement"}
    assert in_use(placements=[placement(date(2026, 4, 1), date(2026, 4, 7))]) == {
        "paid_placement"}
    assert in_use(placements=[placement(date(2026, 2, 1), date(2026, 2, 7))]) == set()


def test_an_open_ended_promotion_keeps_running():
    assert promotion_state(promotion(date(2025, 1, 1)), TODAY) == "running"
    assert promotion_state(promotion(date(2026, 1, 1), date(2026, 3, 9)), TODAY) == "ended"
    assert promotion_state(promotion(date(2026, 3, 11)), TODAY) == "upcoming"


def test_a_live_promotion_with_a_code_also_uses_the_exclusive_code_lever():
    assert in_use(promotions=[promotion(date(2026, 3, 1))]) == {"promotion"}
    assert in_use(promotions=[promotion(date(2026, 3, 1), code="TRAIL20")]) == {
        "promotion", "exclusive_code"}
    assert in_use(promotions=[promotion(date(2026, 1, 1), date(2026, 2, 1), "OLD")]) == set()


def test_the_suggestion_is_the_first_preferred_lever_not_in_use():
    preferred = ["commission_increase", "paid_placement", "promotion"]

    assert suggest_lever(preferred, set()) == "commission_increase"
    assert suggest_lever(preferred, {"commission_increase"}) == "paid_placement"
    assert suggest_lever(preferred, {"commission_increase", "paid_placement"}) == "promotion"


def test_no_suggestion_when_every_preferred_lever_is_in_use_or_none_are_preferred():
    assert suggest_lever(["promotion"], {"promotion"}) is None
    assert suggest_lever([], set()) is None


def test_levers_without_records_are_always_available():
    assert suggest_lever(["promotion", "product_seeding"], {"promotion"}) == "product_seeding"
