"""Editing a promotion and ending it early: the service, the pages and the API.

The clock stands at 10 Mar 2026 (tests/conftest.py); "today" below is that day.
"""

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from crm.errors import InvalidInput
from crm.extensions import db
from crm.growth import overview, promotions
from crm.growth.levers import promotion_state
from crm.models import Interaction, Promotion
from tests.conftest import PASSWORD

TODAY = date(2026, 3, 10)


def timeline(partner) -> list[Interaction]:
    return list(db.session.scalars(select(Interaction).where(Interaction.partner_id == partner.id)
                                   .order_by(Interaction.id)))


def running(membership, ends_on: date | None = date(2026, 4, 30), code: str = "TRAIL20"):
    """A promotion that started on 1 Mar 2026 and runs today."""
    return promotions.add_promotion(membership, code, date(2026, 3, 1), ends_on, "20% off")


def stored(promotion: Promotion) -> tuple:
    db.session.expire_all()
    fresh = db.session.get(Promotion, promotion.id)
    return (fresh.code, fresh.starts_on, fresh.ends_on, fresh.terms)


# --- editing, through the service -----------------------------------------------------------


def test_editing_a_promotion_records_what_it_was_on_the_timeline(membership, manager):
    promotion = running(membership)

    promotions.update_promotion(promotion, " TRAIL25 ", date(2026, 3, 1), date(2026, 4, 15),
                                "25% off", manager)

    assert stored(promotion) == ("TRAIL25", date(2026, 3, 1), date(2026, 4, 15), "25% off")
    event = timeline(membership.partner)[-1]
    assert event.summary == ("Promotion at Summit & Pine changed: code TRAIL25, 1 Mar 2026 – "
                             "15 Apr 2026")
    assert (event.body, event.author_id) == ("Was: code TRAIL20, 1 Mar 2026 – 30 Apr 2026",
                                             manager.id)


def test_editing_only_the_terms_says_so_and_an_unchanged_save_records_nothing(membership):
    promotion = running(membership)

    promotions.update_promotion(promotion, "TRAIL20", date(2026, 3, 1), date(2026, 4, 30),
                                "20% off, tents only")
    promotions.update_promotion(promotion, "TRAIL20", date(2026, 3, 1), date(2026, 4, 30),
                                "20% off, tents only")

    events = timeline(membership.partner)
    assert len(events) == 2
    assert events[-1].body == "Terms edited."


def test_an_edit_can_make_a_promotion_open_ended(membership):
    promotion = running(membership)

    promotions.update_promotion(promotion, "TRAIL20", date(2026, 3, 1), None, "20% off")

    assert promotion.ends_on is None
    assert timeline(membership.partner)[-1].summary.endswith("from 1 Mar 2026, no end date")


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"code": "TRAIL 25"}, "code", "must not contain spaces"),
    ({"starts_on": None}, "starts_on", "is required"),
    ({"ends_on": date(2026, 2, 28)}, "ends_on", "on or after the start date"),
    ({"ends_on": date(2032, 1, 1)}, "ends_on", "within five years"),
    ({"terms": "x" * 5001}, "terms", "at most 5000"),
])
def test_a_bad_edit_names_the_field_and_changes_nothing(membership, changes, field, message):
    promotion = running(membership)
    values = {"code": "TRAIL25", "starts_on": date(2026, 3, 1), "ends_on": date(2026, 4, 15),
              "terms": "25% off", **changes}

    with pytest.raises(InvalidInput) as raised:
        promotions.update_promotion(promotion, **values)

    assert message in raised.value.fields[field]
    db.session.rollback()
    assert stored(promotion) == ("TRAIL20", date(2026, 3, 1), date(2026, 4, 30), "20% off")
    assert len(timeline(membership.partner)) == 1


# --- ending early, through the service ------------------------------------------------------


def test_ending_a_running_promotion_makes_today_its_last_day(membership, manager, clock):
    promotion = running(membership)

    promotions.end_promotion(promotion, " Code leaked to a coupon site ", manager)

    assert promotion.ends_on == TODAY
    assert promotion_state(promotion, TODAY) == "running"
    assert promotion_state(promotion, date(2026, 3, 11)) == "ended"
    event = timeline(membership.partner)[-1]
    assert event.summary == ("Promotion at Summit & Pine ended early: code TRAIL20, 1 Mar 2026 "
                             "– 10 Mar 2026")
    assert event.body == ("Code leaked to a coupon site\n\n"
                          "Was: code TRAIL20, 1 Mar 2026 – 30 Apr 2026")
    assert event.author_id == manager.id


def test_an_open_ended_promotion_can_be_ended_without_a_reason(membership):
    promotion = running(membership, ends_on=None, code="")

    promotions.end_promotion(promotion)

    assert stored(promotion)[2] == TODAY
    event = timeline(membership.partner)[-1]
    assert event.summary == "Promotion at Summit & Pine ended early: 1 Mar 2026 – 10 Mar 2026"
    assert event.body == "Was: from 1 Mar 2026, no end date"


def test_ending_twice_on_the_same_day_records_it_once(membership):
    promotion = running(membership)

    promotions.end_promotion(promotion)
    promotions.end_promotion(promotion)

    assert [e.summary.split(":")[0] for e in timeline(membership.partner)] == [
        "Promotion at Summit & Pine", "Promotion at Summit & Pine ended early"]


@pytest.mark.parametrize(("starts_on", "ends_on", "reason", "field", "message"), [
    (date(2026, 3, 20), None, "", "ends_on", "it has not started yet (it starts 20 Mar 2026)"),
    (date(2026, 1, 1), date(2026, 2, 1), "", "ends_on", "it ended on 1 Feb 2026 already"),
    (date(2026, 3, 1), date(2026, 4, 30), "x" * 2001, "reason", "at most 2000"),
])
def test_only_a_running_promotion_can_be_ended(membership, starts_on, ends_on, reason, field,
                                               message):
    promotion = promotions.add_promotion(membership, "TRAIL20", starts_on, ends_on)

    with pytest.raises(InvalidInput) as raised:
        promotions.end_promotion(promotion, reason)

    assert message in raised.value.fields[field]
    db.session.rollback()
    assert stored(promotion)[2] == ends_on
    assert len(timeline(membership.partner)) == 1


def test_the_promotion_lever_is_suggested_again_the_day_after_it_ends(app, clock):
    from tests.growth.helpers import member

    membership = member(levers=["promotion", "paid_placement"])
    promotions.end_promotion(running(membership, ends_on=None))
    assert overview.growth_of(membership.partner)[0].suggestion == "paid_placement"

    clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))

    assert overview.growth_of(membership.partner)[0].suggestion == "promotion"


def test_can_end_early_only_while_it_would_shorten_the_promotion(membership):
    promotion = running(membership)

    assert promotions.can_end_early(promotion, TODAY)
    assert not promotions.can_end_early(promotion, date(2026, 2, 28))  # not started
    assert not promotions.can_end_early(promotion, date(2026, 4, 30))  # its last day already
    assert not promotions.can_end_early(promotion, date(2026, 5, 1))  # ended


# --- the pages ------------------------------------------------------------------------------


def test_the_panel_links_each_promotion_to_its_edit_page(logged_in, membership):
    promotion = running(membership)
    ended = promotions.add_promotion(membership, "OLD", date(2026, 1, 1), date(2026, 2, 1))

    page = logged_in.get(f"/partners/{membership.partner_id}").get_data(as_text=True)

    assert f'href="/growth/promotions/{promotion.id}/edit"' in page
    assert "Edit or end</a>" in page
    assert f'href="/growth/promotions/{ended.id}/edit" aria-label="Edit the promotion OLD' in page


def test_the_edit_page_is_filled_in_and_offers_to_end_a_running_promotion(logged_in,
                                                                          membership):
    promotion = running(membership)

    page = logged_in.get(f"/growth/promotions/{promotion.id}/edit").get_data(as_text=True)

    assert "<h1>Edit promotion</h1>" in page
    assert 'value="TRAIL20"' in page and 'value="2026-04-30"' in page
    assert f'action="/growth/promotions/{promotion.id}/end"' in page
    assert '<label for="reason">Why end it today?' in page
    assert "End it today (10 Mar 2026)</button>" in page


def test_the_edit_page_of_an_upcoming_promotion_does_not_offer_to_end_it(logged_in, membership):
    promotion = promotions.add_promotion(membership, "SOON", date(2026, 3, 20))

    page = logged_in.get(f"/growth/promotions/{promotion.id}/edit").get_data(as_text=True)

    assert "/end" not in page
    assert "It has not started yet" in page


def test_saving_the_edit_form_returns_to_the_panel(logged_in, membership):
    promotion = running(membership)

    response = logged_in.post(f"/growth/promotions/{promotion.id}/edit", data={
        "code": "TRAIL25", "starts_on": "2026-03-01", "ends_on": "", "terms": "25% off"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/partners/{membership.partner_id}#growth"
    assert stored(promotion) == ("TRAIL25", date(2026, 3, 1), None, "25% off")
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Promotion saved." in page


def test_a_bad_edit_is_shown_on_the_form_and_nothing_changes(logged_in, membership):
    promotion = running(membership)

    response = logged_in.post(f"/growth/promotions/{promotion.id}/edit", data={
        "code": "TRAIL 25", "starts_on": "2026-03-01", "ends_on": "2026-02-01"})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "must not contain spaces" in page and "on or after the start date" in page
    assert 'value="TRAIL 25"' in page  # what was typed is kept
    assert stored(promotion) == ("TRAIL20", date(2026, 3, 1), date(2026, 4, 30), "20% off")


def test_ending_from_the_page_returns_to_the_panel_with_the_new_end(logged_in, membership):
    promotion = running(membership)

    response = logged_in.post(f"/growth/promotions/{promotion.id}/end",
                              data={"reason": "Budget moved to Q2"})

    assert response.status_code == 302
    assert stored(promotion)[2] == TODAY
    page = " ".join(logged_in.get(response.headers["Location"]).get_data(as_text=True).split())
    assert "Promotion at Summit &amp; Pine ends today." in page
    assert "<code>TRAIL20</code>, 1 Mar 2026 – 10 Mar 2026" in page
    assert timeline(membership.partner)[-1].body.startswith("Budget moved to Q2")


def test_ending_an_ended_promotion_from_the_page_explains_why_not(logged_in, membership):
    promotion = promotions.add_promotion(membership, "OLD", date(2026, 1, 1), date(2026, 2, 1))

    response = logged_in.post(f"/growth/promotions/{promotion.id}/end", data={"reason": ""})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ends on: it ended on 1 Feb 2026 already" in page
    assert 'value="OLD"' in page  # the edit form still shows the promotion
    assert stored(promotion)[2] == date(2026, 2, 1)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_end_form_carries_a_csrf_token_and_needs_it(client, manager, app_config):
    from tests.growth.helpers import member

    def token(page: str) -> str:
        return re.search(r'name="csrf_token"[^>]* value="([^"]+)"', page).group(1)

    client.post("/login", data={"email": manager.email, "password": PASSWORD,
                                "csrf_token": token(client.get("/login").get_data(as_text=True))})
    promotion = running(member())
    page = client.get(f"/growth/promotions/{promotion.id}/edit").get_data(as_text=True)
    end_form = page[page.index('action="/growth/promotions/'):]

    assert client.post(f"/growth/promotions/{promotion.id}/end").status_code == 400
    assert stored(promotion)[2] == date(2026, 4, 30)
    response = client.post(f"/growth/promotions/{promotion.id}/end",
                           data={"csrf_token": token(end_form)})
    assert response.status_code == 302 and stored(promotion)[2] == TODAY
    assert page.count('id="csrf_token"') == 1


def test_an_unknown_promotion_is_a_404(logged_in):
    assert logged_in.get("/growth/promotions/999/edit").status_code == 404
    assert logged_in.post("/growth/promotions/999/end").status_code == 404


# --- the API --------------------------------------------------------------------------------


def test_get_one_promotion(api, membership):
    promotion = running(membership)

    body = api.get(f"/api/v1/promotions/{promotion.id}").get_json()

    assert (body["id"], body["membership_id"], body["code"], body["state"]) == (
        promotion.id, membership.id, "TRAIL20", "running")


def test_patch_changes_only_the_given_fields(api, membership, manager):
    promotion = running(membership)

    response = api.patch(f"/api/v1/promotions/{promotion.id}", json={"terms": "25% off"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["code"], body["ends_on"], body["terms"]) == ("TRAIL20", "2026-04-30", "25% off")
    event = timeline(membership.partner)[-1]
    assert (event.body, event.author_id) == ("Terms edited.", manager.id)


def test_patch_with_a_null_end_makes_it_open_ended(api, membership):
    promotion = running(membership)

    body = api.patch(f"/api/v1/promotions/{promotion.id}", json={"ends_on": None}).get_json()

    assert body["ends_on"] is None and stored(promotion)[2] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"code": "TRAIL 25"}, "code"),
    ({"code": "X" * 65}, "code"),
    ({"starts_on": None}, "starts_on"),
    ({"starts_on": "1 March"}, "starts_on"),
    ({"ends_on": "2026-02-01"}, "ends_on"),
    ({"colour": "red"}, "colour"),
])
def test_a_bad_patch_is_422_naming_the_field(api, membership, body, field):
    promotion = running(membership)

    response = api.patch(f"/api/v1/promotions/{promotion.id}", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert stored(promotion) == ("TRAIL20", date(2026, 3, 1), date(2026, 4, 30), "20% off")


def test_post_end_ends_a_running_promotion_today(api, membership):
    promotion = running(membership)

    response = api.post(f"/api/v1/promotions/{promotion.id}/end", json={"reason": "Leaked"})

    assert response.status_code == 200
    body = response.get_json()
    assert (body["ends_on"], body["state"]) == ("2026-03-10", "running")
    assert timeline(membership.partner)[-1].body.startswith("Leaked")


def test_post_end_on_an_upcoming_promotion_is_422_on_ends_on(api, membership):
    promotion = promotions.add_promotion(membership, "SOON", date(2026, 3, 20))

    response = api.post(f"/api/v1/promotions/{promotion.id}/end", json={})

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and "not started yet" in error["fields"]["ends_on"]
    assert stored(promotion)[2] is None


@pytest.mark.parametrize(("method", "path"), [("get", ""), ("patch", ""), ("post", "/end")])
def test_an_unknown_promotion_is_a_404_in_the_api(api, method, path):
    response = getattr(api, method)(f"/api/v1/promotions/999{path}", **(
        {} if method == "get" else {"json": {}}))

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_spec_documents_editing_and_ending_promotions(api):
    spec = api.get("/api/v1/openapi.json").get_json()

    assert {"get", "patch"} <= set(spec["paths"]["/api/v1/promotions/{promotion_id}"])
    assert "post" in spec["paths"]["/api/v1/promotions/{promotion_id}/end"]
    schemas = spec["components"]["schemas"]
    assert "required" not in schemas["PromotionUpdate"]
    assert schemas["PromotionUpdate"]["properties"]["ends_on"]["type"] == ["string", "null"]
    assert "reason" in schemas["PromotionEnd"]["properties"]
