"""Growth records through the service: validation, the terms in force, the timeline."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from crm.errors import InvalidInput
from crm.extensions import db
from crm.growth import commissions, overview, placements, promotions
from crm.models import CommissionChange, Interaction, Placement, Promotion


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def timeline(partner) -> list[Interaction]:
    return list(db.session.scalars(select(Interaction).where(Interaction.partner_id == partner.id)
                                   .order_by(Interaction.id)))


# --- commission changes -------------------------------------------------------------------


def test_a_change_effective_today_is_in_force_and_keeps_the_old_terms(membership, manager):
    change = commissions.record_commission_change(
        membership, "10% CPS", date(2026, 3, 10), "Top-10 partner in Q1", manager)

    assert (change.old_terms, change.new_terms, change.created_by) == (
        "8% CPS", "10% CPS", manager)
    assert membership.commission_terms == "10% CPS"
    assert commissions.terms_in_force(membership) == "10% CPS"
    [event] = timeline(membership.partner)
    assert event.summary == "Commission at Summit & Pine: 8% CPS → 10% CPS from 10 Mar 2026"
    assert (event.body, event.kind, event.author_id) == ("Top-10 partner in Q1", "system",
                                                         manager.id)


def test_a_future_change_is_recorded_but_not_in_force_until_its_day(membership, clock):
    commissions.record_commission_change(membership, "10% CPS", date(2026, 3, 12))

    assert membership.commission_terms == "8% CPS"
    assert commissions.terms_in_force(membership) == "8% CPS"
    assert commissions.terms_in_force(membership, date(2026, 3, 12)) == "10% CPS"
    assert timeline(membership.partner)[0].summary.endswith("8% CPS → 10% CPS from 12 Mar 2026")

    clock.set(datetime(2026, 3, 12, 0, 5, tzinfo=UTC))
    assert commissions.terms_in_force(membership) == "10% CPS"
    assert commissions.apply_due_changes() == 1
    assert membership.commission_terms == "10% CPS"
    assert commissions.apply_due_changes() == 0


def test_a_backdated_change_does_not_override_a_newer_one(membership):
    commissions.record_commission_change(membership, "10% CPS", date(2026, 3, 1))
    commissions.record_commission_change(membership, "9% CPS", date(2026, 2, 1), "Late paperwork")

    assert membership.commission_terms == "10% CPS"
    history = commissions.commission_changes_of(membership)
    assert [c.new_terms for c in history] == ["10% CPS", "9% CPS"]


def test_the_next_change_starts_from_the_terms_a_scheduled_change_put_in_force(membership,
                                                                                clock):
    commissions.record_commission_change(membership, "10% CPS", date(2026, 3, 12))
    clock.set(datetime(2026, 3, 20, 9, 0, tzinfo=UTC))

    change = commissions.record_commission_change(membership, "12% CPS", date(2026, 3, 20))

    assert change.old_terms == "10% CPS"
    assert membership.commission_terms == "12% CPS"


@pytest.mark.parametrize(("new_terms", "effective_on", "reason", "field", "message"), [
    ("", date(2026, 3, 10), "", "new_terms", "is required"),
    ("   ", date(2026, 3, 10), "", "new_terms", "is required"),
    ("x" * 256, date(2026, 3, 10), "", "new_terms", "at most 255"),
    ("8% CPS", date(2026, 3, 10), "", "new_terms", "terms in force already"),
    ("8% cps ", date(2026, 3, 10), "", "new_terms", "terms in force already"),
    ("10% CPS", None, "", "effective_on", "is required"),
    ("10% CPS", date(2027, 3, 12), "", "effective_on", "within a year"),
    ("10% CPS", date(2025, 3, 8), "", "effective_on", "within a year"),
    ("10% CPS", date(2026, 3, 10), "x" * 2001, "reason", "at most 2000"),
])
def test_bad_changes_name_the_field_and_write_nothing(membership, new_terms, effective_on,
                                                      reason, field, message):
    with pytest.raises(InvalidInput) as raised:
        commissions.record_commission_change(membership, new_terms, effective_on, reason)

    assert message in raised.value.fields[field]
    db.session.rollback()
    assert count(CommissionChange) == 0 and timeline(membership.partner) == []
    assert db.session.get(type(membership), membership.id).commission_terms == "8% CPS"


def test_a_year_either_way_is_allowed(membership):
    commissions.record_commission_change(membership, "9% CPS", date(2025, 3, 10))
    commissions.record_commission_change(membership, "12% CPS", date(2027, 3, 10))

    assert count(CommissionChange) == 2


# --- placements ---------------------------------------------------------------------------


def test_a_placement_is_booked_with_its_fee_and_lands_on_the_timeline(membership, manager):
    placement = placements.add_placement(membership, "newsletter", date(2026, 3, 12),
                                         date(2026, 3, 19), 125_000, "Spring issue", manager)

    assert (placement.kind, placement.fee_cents, placement.created_by) == (
        "newsletter", 125_000, manager)
    [event] = timeline(membership.partner)
    assert event.summary == ("Paid placement at Summit & Pine: Newsletter, 12 Mar 2026 – "
                             "19 Mar 2026, $1,250.00")
    assert event.body == "Spring issue"


def test_a_placement_without_a_fee_and_in_another_currency(app):
    from tests.growth.helpers import member

    membership = member(currency="CHF")
    placements.add_placement(membership, "video", date(2026, 3, 10), date(2026, 3, 10))
    placements.add_placement(membership, "banner", date(2026, 3, 10), date(2026, 3, 31), 99_950)

    summaries = [event.summary for event in timeline(membership.partner)]
    assert summaries == ["Paid placement at Summit & Pine: Video, 10 Mar 2026 – 10 Mar 2026",
                         "Paid placement at Summit & Pine: Banner, 10 Mar 2026 – 31 Mar 2026, "
                         "999.50 CHF"]


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"kind": "skywriting"}, "kind", "must be one of"),
    ({"starts_on": None}, "starts_on", "is required"),
    ({"ends_on": None}, "ends_on", "is required"),
    ({"ends_on": date(2026, 3, 11)}, "ends_on", "on or after the start date"),
    ({"starts_on": date(2036, 3, 12), "ends_on": date(2036, 3, 19)}, "starts_on",
     "within five years"),
    ({"fee_cents": -1}, "fee_cents", "between 0 and"),
    ({"fee_cents": 10**14}, "fee_cents", "between 0 and"),
    ({"fee_cents": 12.5}, "fee_cents", "whole number of cents"),
    ({"notes": "x" * 5001}, "notes", "at most 5000"),
])
def test_bad_placements_name_the_field_and_write_nothing(membership, changes, field, message):
    values = {"kind": "newsletter", "starts_on": date(2026, 3, 12), "ends_on": date(2026, 3, 19),
              "fee_cents": None, "notes": "", **changes}

    with pytest.raises(InvalidInput) as raised:
        placements.add_placement(membership, **values)

    assert message in raised.value.fields[field]
    db.session.rollback()
    assert count(Placement) == 0 and timeline(membership.partner) == []


def test_a_placement_can_be_changed_and_removed_with_a_timeline_line_each(membership):
    placement = placements.add_placement(membership, "newsletter", date(2026, 3, 12),
                                         date(2026, 3, 19), 125_000)

    placements.update_placement(placement, "newsletter", date(2026, 3, 12), date(2026, 3, 26),
                                150_000)
    placements.update_placement(placement, "newsletter", date(2026, 3, 12), date(2026, 3, 26),
                                150_000)  # no change: no entry
    placements.delete_placement(placement)

    assert count(Placement) == 0
    assert [e.summary for e in timeline(membership.partner)][1:] == [
        "Paid placement at Summit & Pine changed: Newsletter, 12 Mar 2026 – 26 Mar 2026, "
        "$1,500.00",
        "Paid placement at Summit & Pine removed: Newsletter, 12 Mar 2026 – 26 Mar 2026, "
        "$1,500.00",
    ]


# --- promotions ---------------------------------------------------------------------------


def test_a_promotion_with_a_code_and_dates_lands_on_the_timeline(membership, manager):
    promotion = promotions.add_promotion(membership, " TRAIL20 ", date(2026, 3, 12),
                                         date(2026, 4, 30), "20% off tents", manager)

    assert (promotion.code, promotion.terms) == ("TRAIL20", "20% off tents")
    [event] = timeline(membership.partner)
    assert event.summary == ("Promotion at Summit & Pine: code TRAIL20, 12 Mar 2026 – "
                             "30 Apr 2026")
    assert event.body == "20% off tents"


def test_a_promotion_may_have_no_code_and_no_end(membership):
    promotions.add_promotion(membership, "", date(2026, 3, 12))

    assert timeline(membership.partner)[0].summary == (
        "Promotion at Summit & Pine: from 12 Mar 2026, no end date")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"code": "TRAIL 20"}, "code", "must not contain spaces"),
    ({"code": "TRAIL\u000020"}, "code", "control characters"),
    ({"code": "TRAIL\u200b20"}, "code", "control characters"),  # zero-width space (Cf)
    ({"code": "X" * 65}, "code", "at most 64"),
    ({"starts_on": None}, "starts_on", "is required"),
    ({"ends_on": date(2026, 3, 11)}, "ends_on", "on or after the start date"),
    ({"terms": "x" * 5001}, "terms", "at most 5000"),
])
def test_bad_promotions_name_the_field_and_write_nothing(membership, changes, field, message):
    values = {"code": "TRAIL20", "starts_on": date(2026, 3, 12), "ends_on": None, "terms": "",
              **changes}

    with pytest.raises(InvalidInput) as raised:
        promotions.add_promotion(membership, **values)

    assert message in raised.value.fields[field]
    db.session.rollback()
    assert count(Promotion) == 0 and timeline(membership.partner) == []


# --- the partner page's view of it --------------------------------------------------------


def test_growth_of_sorts_records_by_state_and_suggests_for_approved_members(app):
    from tests.growth.helpers import member

    membership = member(levers=["paid_placement", "promotion", "commission_increase"])
    placements.add_placement(membership, "banner", date(2026, 2, 1), date(2026, 2, 28))
    ended_promo = promotions.add_promotion(membership, "OLD", date(2026, 1, 1), date(2026, 1, 31))
    running = placements.add_placement(membership, "newsletter", date(2026, 3, 1),
                                       date(2026, 3, 20))

    [growth] = overview.growth_of(membership.partner)

    assert growth.terms == "8% CPS"
    assert growth.placements["running"] == [running]
    assert len(growth.placements["ended"]) == 1 and growth.placements["upcoming"] == []
    assert growth.promotions["ended"] == [ended_promo]
    assert growth.suggestion == "promotion"


def test_no_suggestion_for_a_membership_that_is_not_approved(app):
    from tests.growth.helpers import member

    membership = member(status="pending", levers=["promotion"])

    assert overview.growth_of(membership.partner)[0].suggestion is None


def test_a_scan_brings_a_future_dated_change_into_force_on_its_day(app, clock, membership):
    # Given a raise recorded today for next week
    from datetime import timedelta

    from outreach.followups import scan

    commissions.record_commission_change(
        membership, "12% CPS", clock.now().date() + timedelta(days=7), "Q2 review")
    scan(clock.now())
    assert membership.commission_terms != "12% CPS"

    # When the scan runs on that day
    clock.set(clock.now() + timedelta(days=7))
    report = scan(clock.now())

    # Then the membership's terms are the new ones
    db.session.refresh(membership)
    assert membership.commission_terms == "12% CPS"
    assert report.terms_updated == 1
