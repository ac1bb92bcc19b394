"""The public booking pages and My settings › Availability, through the test client."""

import re
import time

import pytest
from sqlalchemy import func, select

from crm.booking import availability, links
from crm.extensions import db
from crm.models import Availability, Meeting
from tests.booking.conftest import path_of

TEN = "2026-03-11T09:00Z"  # Wednesday 10:00 in Berlin


def text(response) -> str:
    return response.get_data(as_text=True)


def offered(response) -> list[str]:
    """The start values of the time buttons on a page."""
    return re.findall(r'class="outline" href="[^"]*start=([^"&]+)"', text(response))


def test_the_page_lists_free_times_in_the_visitors_zone(client, partner_path):
    # Without a zone the partner's own (New York) is used; Berlin 10:00 is 05:00 there
    page = client.get(partner_path + "?day=2026-03-11")
    assert page.status_code == 200
    assert "Book a call with Mia Schneider" in text(page)
    assert '<option value="America/New_York" selected>' in text(page)
    assert re.search(r'start=2026-03-11T09:00Z">05:00</a>', text(page))

    # The visitor picks Tokyo: the same instant reads 18:00
    tokyo = client.get(partner_path + "?tz=Asia/Tokyo&day=2026-03-11")
    assert re.search(r'start=2026-03-11T09:00Z">18:00</a>', text(tokyo))
    # An unknown zone falls back rather than failing
    assert client.get(partner_path + "?tz=Mars/Olympus").status_code == 200


def test_a_visitor_books_a_chosen_time_and_lands_on_their_call(client, partner_path):
    chosen = client.get(f"{partner_path}?tz=Europe/Paris&start={TEN}")
    assert "Wed 11 Mar 2026, 10:00–10:30" in text(chosen)
    assert "Book this call" in text(chosen)

    booked = client.post(partner_path, data={"start": TEN, "tz": "Europe/Paris"})

    assert booked.status_code == 303
    call = client.get(booked.headers["Location"])
    assert "You're booked" in text(call)
    assert "Wed 11 Mar 2026, 10:00 (Europe/Paris)" in text(call)
    assert "Reschedule" in text(call) and "Cancel the call" in text(call)


def test_the_second_visitor_for_a_taken_time_sees_why_and_fresh_times(client, partner_path):
    client.post(partner_path, data={"start": TEN, "tz": "Europe/Berlin"})

    late = client.post(partner_path, data={"start": TEN, "tz": "Europe/Berlin"})

    assert late.status_code == 409
    assert "Sorry, that time was just taken. Please pick another one." in text(late)
    assert "Here are the times that are free now." in text(late)
    assert TEN not in offered(late)
    assert "2026-03-11T08:00Z" in offered(late)  # the same day's other times
    assert db.session.scalar(select(func.count(Meeting.id))) == 1


def test_a_hand_made_time_in_the_spring_gap_is_refused_with_the_times(client, partner_path):
    refused = client.post(partner_path, data={"start": "2026-03-29T02:30",
                                              "tz": "Europe/Berlin"})

    assert refused.status_code == 422
    assert "02:30 does not exist in Europe/Berlin on 29 Mar 2026" in text(refused)
    assert offered(refused)


def test_tampered_expired_and_crossed_links_are_a_404_page(app, client, partner,
                                                            partner_path, monkeypatch):
    token = partner_path.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with monkeypatch.context() as patched:
        patched.setattr(time, "time", lambda: 1_700_000_000.0)  # November 2023
        expired = path_of(links.partner_link(partner.id))  # 91+ days before the clock

    for path in (f"/book/p/{tampered}", expired, f"/book/m/{token}", f"/book/call/{token}"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "This link doesn't work" in text(response)
    assert client.post(f"/book/p/{tampered}", data={"start": TEN}).status_code == 404


def test_a_new_general_link_stops_the_old_one(client, host_manager):
    old = path_of(availability.general_link(host_manager))
    assert client.get(old).status_code == 200

    new = path_of(availability.new_general_link(host_manager))

    assert client.get(old).status_code == 404
    assert "Your name" in text(client.get(f"{new}?start={TEN}"))


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                         "BOOKING_RATE_LIMIT": "3 per minute"}])
def test_a_burst_of_requests_to_the_booking_pages_is_limited(client, partner_path,
                                                             app_config):
    statuses = [client.get(partner_path).status_code for _ in range(2)]
    statuses.append(client.get("/book/call/forged").status_code)  # one budget for all pages
    statuses.append(client.post(partner_path, data={"start": TEN}).status_code)

    assert statuses == [200, 200, 404, 429]


def test_the_partner_moves_then_cancels_from_their_call_page(client, partner_path):
    call = client.post(partner_path, data={"start": TEN, "tz": "Europe/Berlin"})
    page = call.headers["Location"].split("?")[0]

    picker = client.get(f"{page}?tz=Europe/Berlin&move=1&day=2026-03-11")
    assert "Pick a new time" in text(picker)
    # Not the call's own time, but its neighbours (no buffer against itself)
    assert TEN not in offered(picker) and "2026-03-11T09:30Z" in offered(picker)
    moved = client.post(f"{page}/move", data={"start": "2026-03-11T12:00Z",
                                              "tz": "Europe/Berlin"})
    assert moved.status_code == 303
    assert "Call moved" in text(client.get(moved.headers["Location"]))

    cancelled = client.post(f"{page}/cancel", data={"reason": "Travelling", "tz": "UTC"})

    assert cancelled.status_code == 303
    final = text(client.get(cancelled.headers["Location"]))
    assert "Call cancelled" in final and "Book another time" in final
    meeting = db.session.scalar(select(Meeting))
    assert (meeting.status, meeting.sequence) == ("cancelled", 2)


def test_a_manager_sets_availability_and_sees_each_error_by_its_field(logged_in, manager):
    page = logged_in.get("/settings/availability")
    assert page.status_code == 200
    assert 'aria-current="page">Availability</a>' in text(page)

    bad = logged_in.post("/settings/availability", data={
        "hours_0": "17:00-09:00", "call_minutes": "30", "buffer_minutes": "10",
        "notice_hours": "12", "horizon_days": "30", "max_per_day": "0"})
    assert bad.status_code == 422
    assert re.search(r'<small id="hours_0-error" class="field-error">17:00-09:00 ends before '
                     r'it starts</small>', text(bad))
    assert db.session.get(Availability, manager.id) is None

    good = logged_in.post("/settings/availability", data={
        "hours_0": "09:00-12:00", "hours_2": "14:00-18:00", "call_minutes": "45",
        "buffer_minutes": "15", "notice_hours": "24", "horizon_days": "21",
        "max_per_day": "4", "dates_off": "2026-04-03"})
    assert good.status_code == 302
    saved = db.session.get(Availability, manager.id)
    assert (saved.weekly_hours, saved.call_minutes, saved.max_per_day, saved.dates_off) == (
        {"0": [[540, 720]], "2": [[840, 1080]]}, 45, 4, [["2026-04-03", "2026-04-03"]])
    assert "/book/m/" in text(logged_in.get("/settings/availability"))


def test_the_partner_page_shows_their_booking_link(logged_in, manager):
    from tests.factories import make_partner

    partner = make_partner(name="Nina Novak", owner_id=manager.id)

    page = text(logged_in.get(f"/partners/{partner.id}"))

    link = re.search(r'id="booking-link-\d+" type="text" value="([^"]+)"', page).group(1)
    assert links.partner_from_token(link.rsplit("/", 1)[1]) == partner.id
    assert "has no availability set" in page and "set yours" in page
