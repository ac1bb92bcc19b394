"""The growth panel on the partner page and its forms, signed in as a Berlin manager."""

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.growth import commissions, placements, promotions
from crm.models import CommissionChange, Placement, Promotion
from tests.growth.helpers import member


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def partner_page(client, membership) -> str:
    response = client.get(f"/partners/{membership.partner_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_panel_shows_terms_links_and_the_suggested_lever(logged_in, app):
    membership = member(levers=["commission_increase", "paid_placement"])

    page = partner_page(logged_in, membership)

    assert 'id="growth"' in page
    assert "Terms in force: <strong>8% CPS</strong>" in page
    suggestion = f'href="/growth/memberships/{membership.id}/commission">Commission increase</a>'
    assert f"Suggested next: <a {suggestion}" in page
    assert f"/growth/memberships/{membership.id}/placements/new" in page
    assert f"/growth/memberships/{membership.id}/promotions/new" in page


def test_after_a_raise_the_panel_suggests_the_next_lever_and_shows_the_history(logged_in, app,
                                                                               manager):
    membership = member(levers=["commission_increase", "paid_placement"])
    commissions.record_commission_change(membership, "10% CPS", date(2026, 3, 1), "Q1 winner",
                                         manager)
    commissions.record_commission_change(membership, "12% CPS", date(2026, 4, 1), "Tier 1")

    page = partner_page(logged_in, membership)

    assert "Terms in force: <strong>10% CPS</strong>" in page
    assert f'href="/growth/memberships/{membership.id}/placements/new">Paid placement</a>' in page
    assert "Commission history (2)" in page
    assert '<span class="badge status-pending">from 1 Apr 2026</span>' in page
    assert "Q1 winner" in page and "by Mia Manager" in page


def test_levers_without_a_form_link_to_the_log_form(logged_in, app):
    membership = member(levers=["product_seeding"])

    page = partner_page(logged_in, membership)

    assert (f'href="/partners/{membership.partner_id}#log-panel">Product seeding</a>') in page


def test_a_client_without_levers_or_with_all_in_use_says_so(logged_in, app):
    membership = member(levers=[])
    assert "has no preferred growth levers yet" in partner_page(logged_in, membership)

    promotions.add_promotion(membership, "", date(2026, 3, 1))
    membership.client.growth_levers = ["promotion"]
    db.session.commit()
    assert "Every lever Summit &amp; Pine prefers is in use." in partner_page(logged_in,
                                                                            membership)


def test_placements_and_promotions_are_listed_by_state(logged_in, app):
    membership = member()
    placements.add_placement(membership, "newsletter", date(2026, 3, 1), date(2026, 3, 20), 125_000)
    placements.add_placement(membership, "video", date(2026, 4, 1), date(2026, 4, 1))
    promotions.add_promotion(membership, "TRAIL20", date(2026, 1, 1), date(2026, 2, 1))

    page = " ".join(partner_page(logged_in, membership).split())

    assert "Running</span> Newsletter, 1 Mar 2026 – 20 Mar 2026 · $1,250.00" in page
    assert "Upcoming</span> Video, 1 Apr 2026 – 1 Apr 2026" in page
    assert "Ended</span> <code>TRAIL20</code>, 1 Jan 2026 – 1 Feb 2026" in page


def test_a_partner_without_programs_gets_a_hint(logged_in, app):
    from tests.factories import make_partner

    partner = make_partner()

    page = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "appear here once" in page


def test_user_text_is_escaped_on_the_panel(logged_in, app):
    membership = member()
    promotions.add_promotion(membership, "<b>X</b>", date(2026, 3, 1), terms="<script>x</script>")

    page = partner_page(logged_in, membership)

    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


# --- the commission form ------------------------------------------------------------------


def test_the_commission_form_shows_the_terms_in_force_and_defaults_to_today(logged_in,
                                                                            membership):
    page = logged_in.get(f"/growth/memberships/{membership.id}/commission").get_data(as_text=True)

    assert "terms in force: <strong>8% CPS</strong>" in page
    assert 'name="effective_on" required type="date" value="2026-03-10"' in page
    assert '<label for="new_terms">New terms' in page


def test_changing_terms_from_the_form_returns_to_the_panel(logged_in, membership):
    response = logged_in.post(f"/growth/memberships/{membership.id}/commission", data={
        "new_terms": "10% CPS", "effective_on": "2026-03-12", "reason": "Spring push"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/partners/{membership.partner_id}#growth"
    change = db.session.scalar(select(CommissionChange))
    assert (change.new_terms, change.effective_on, change.reason) == (
        "10% CPS", date(2026, 3, 12), "Spring push")
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Commission for Summit &amp; Pine: 10% CPS from 12 Mar 2026." in page


@pytest.mark.parametrize(("data", "message"), [
    ({"new_terms": "", "effective_on": "2026-03-12"}, "is required"),
    ({"new_terms": "8% CPS", "effective_on": "2026-03-12"}, "terms in force already"),
    ({"new_terms": "10% CPS", "effective_on": ""}, "is required"),
    ({"new_terms": "10% CPS", "effective_on": "2028-01-01"}, "within a year of today"),
    ({"new_terms": "10% CPS", "effective_on": "12/03/2026"}, "Not a valid date value"),
])
def test_bad_commission_input_is_shown_on_the_form_and_nothing_is_written(logged_in, membership,
                                                                          data, message):
    response = logged_in.post(f"/growth/memberships/{membership.id}/commission", data=data)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'aria-invalid="true"' in page
    assert count(CommissionChange) == 0
    assert f'value="{data["new_terms"]}"' in page  # what was typed is kept


def test_an_unknown_membership_is_a_404(logged_in):
    assert logged_in.get("/growth/memberships/999/commission").status_code == 404
    assert logged_in.get("/growth/memberships/999/placements/new").status_code == 404
    assert logged_in.get("/growth/placements/999/edit").status_code == 404


# --- placements and promotions ------------------------------------------------------------


def test_booking_a_placement_parses_the_fee(logged_in, membership):
    response = logged_in.post(f"/growth/memberships/{membership.id}/placements/new", data={
        "kind": "dedicated_review", "starts_on": "2026-03-12", "ends_on": "2026-03-19",
        "fee": "1,250.00", "notes": "Tent review"})

    assert response.status_code == 302
    placement = db.session.scalar(select(Placement))
    assert (placement.kind, placement.fee_cents, placement.notes) == (
        "dedicated_review", 125_000, "Tent review")


@pytest.mark.parametrize(("changes", "message"), [
    ({"fee": "1.250,00"}, "write the amount like 1,250.00"),
    ({"fee": "-5"}, "write the amount like 1,250.00"),
    ({"ends_on": "2026-03-11"}, "must be on or after the start date"),
    ({"starts_on": ""}, "is required"),
])
def test_bad_placement_input_is_shown_next_to_the_field(logged_in, membership, changes, message):
    data = {"kind": "newsletter", "starts_on": "2026-03-12", "ends_on": "2026-03-19",
            "fee": "", **changes}

    response = logged_in.post(f"/growth/memberships/{membership.id}/placements/new", data=data)

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(Placement) == 0


def test_a_placement_can_be_edited_and_removed(logged_in, membership):
    placement = placements.add_placement(membership, "newsletter", date(2026, 3, 12),
                                         date(2026, 3, 19), 125_000)
    form = logged_in.get(f"/growth/placements/{placement.id}/edit").get_data(as_text=True)
    assert 'value="1,250.00"' in form

    response = logged_in.post(f"/growth/placements/{placement.id}/edit", data={
        "kind": "newsletter", "starts_on": "2026-03-12", "ends_on": "2026-03-26",
        "fee": "1500", "notes": ""})
    assert response.status_code == 302
    assert (placement.ends_on, placement.fee_cents) == (date(2026, 3, 26), 150_000)

    response = logged_in.post(f"/growth/placements/{placement.id}/delete")
    assert response.status_code == 302
    assert count(Placement) == 0


def test_recording_a_promotion_from_the_form(logged_in, membership):
    response = logged_in.post(f"/growth/memberships/{membership.id}/promotions/new", data={
        "code": "TRAIL20", "starts_on": "2026-03-12", "ends_on": "", "terms": "20% off"})

    assert response.status_code == 302
    promotion = db.session.scalar(select(Promotion))
    assert (promotion.code, promotion.ends_on, promotion.terms) == ("TRAIL20", None, "20% off")


def test_a_promotion_code_with_a_space_is_refused_on_the_form(logged_in, membership):
    response = logged_in.post(f"/growth/memberships/{membership.id}/promotions/new", data={
        "code": "TRAIL 20", "starts_on": "2026-03-12"})

    assert response.status_code == 422
    assert "must not contain spaces" in response.get_data(as_text=True)
    assert count(Promotion) == 0


def test_an_unreadable_fee_is_reported_with_the_other_problems(logged_in, membership):
    response = logged_in.post(f"/growth/memberships/{membership.id}/placements/new", data={
        "kind": "newsletter", "starts_on": "2026-03-12", "ends_on": "", "fee": "lots"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "write the amount like 1,250.00" in page
    assert '<small id="ends_on-error" class="field-error">is required</small>' in page
    assert count(Placement) == 0
