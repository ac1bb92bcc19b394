"""The meeting pages through the test client, signed in as a Berlin manager.

CSRF on these forms is checked by tests/test_authorization.py, which walks every route."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Meeting
from outreach import meetings
from tests.factories import make_partner

FORM = {"starts_at": "2026-03-17T16:00", "duration_minutes": "45", "location": "Zoom",
        "video_url": "https://zoom.us/j/1", "agenda": "Links and creatives"}


@pytest.fixture
def partner(app):
    return make_partner(name="Jamie Rivera", email="jamie@trailnotes.com",
                        timezone="America/Los_Angeles")


def count():
    return db.session.scalar(select(func.count(Meeting.id)))


def test_the_partner_page_offers_to_schedule_and_lists_calls(logged_in, partner, manager):
    page = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "No call booked yet." in page
    assert f"/meetings/new/{partner.id}" in page

    meetings.schedule(partner, manager=manager, starts_at=datetime(2026, 3, 17, 15, 0, tzinfo=UTC),
                      duration_minutes=30)
    page = logged_in.get(f"/partners/{partner.id}").get_data(as_text=True)
    assert "Tue 17 Mar 2026, 16:00 (Europe/Berlin)" in page
    assert "Jamie Rivera: Tue 17 Mar 2026, 08:00 (America/Los_Angeles)" in page


def test_scheduling_in_the_managers_zone_stores_the_right_instant(logged_in, partner):
    response = logged_in.post(f"/meetings/new/{partner.id}", data=FORM)

    assert response.status_code == 302
    meeting = db.session.scalar(select(Meeting))
    assert meeting.starts_at == datetime(2026, 3, 17, 15, 0, tzinfo=UTC)
    assert (meeting.duration_minutes, meeting.location, meeting.timezone) == (
        45, "Zoom", "Europe/Berlin")


@pytest.mark.parametrize(("changes", "message"), [
    ({"starts_at": ""}, "pick a date and a time"),
    ({"starts_at": "2026-03-29T02:30"}, "02:30 does not exist in Europe/Berlin"),
    ({"starts_at": "2026-03-01T10:00"}, "must be in the future"),
    ({"video_url": "ftp://example.com"}, "must be an http:// or https:// link"),
    ({"duration_minutes": "9999"}, "Not a valid choice"),
])
def test_bad_input_is_shown_on_the_form_and_nothing_is_written(logged_in, partner, changes,
                                                               message):
    response = logged_in.post(f"/meetings/new/{partner.id}", data={**FORM, **changes})

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count() == 0


def test_move_cancel_and_download(logged_in, partner, manager):
    meeting = meetings.schedule(partner, manager=manager,
                                starts_at=datetime(2026, 3, 17, 15, 0, tzinfo=UTC),
                                duration_minutes=30)

    page = logged_in.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert 'value="2026-03-17T16:00"' in page  # the picker shows the manager's clock
    moved = logged_in.post(f"/meetings/{meeting.id}/reschedule",
                           data={**FORM, "starts_at": "2026-03-18T09:15"})
    assert moved.status_code == 302
    assert (meeting.starts_at, meeting.sequence) == (datetime(2026, 3, 18, 8, 15, tzinfo=UTC), 1)

    cancelled = logged_in.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Sick"})
    assert cancelled.status_code == 302
    assert (meeting.status, meeting.sequence) == ("cancelled", 2)

    download = logged_in.get(f"/meetings/{meeting.id}.ics")
    assert download.mimetype == "text/calendar"
    assert "attachment" in download.headers["Content-Disposition"]
    [event] = Calendar.from_ical(download.data).walk("VEVENT")
    assert (str(event["status"]), int(event["sequence"])) == ("CANCELLED", 2)


def test_outcome_after_the_call(logged_in, clock, partner, manager):
    meeting = meetings.schedule(partner, manager=manager,
                                starts_at=datetime(2026, 3, 17, 15, 0, tzinfo=UTC),
                                duration_minutes=30)
    clock.set(datetime(2026, 3, 17, 16, 0, tzinfo=UTC))

    response = logged_in.post(f"/meetings/{meeting.id}/outcome",
                              data={"outcome": "held", "notes": "Keen", "activate": "y"})

    assert response.status_code == 302
    assert (meeting.status, partner.stage) == ("held", "active")


def test_the_calendar_feed(logged_in, client, partner, manager):
    meeting = meetings.schedule(partner, manager=manager,
                                starts_at=datetime(2026, 3, 17, 15, 0, tzinfo=UTC),
                                duration_minutes=30)
    page = logged_in.post("/meetings/calendar/token").get_data(as_text=True)
    feed_url = page.split('id="feed-url" type="text" value="')[1].split('"')[0]
    path = feed_url.replace("http://localhost", "")

    logged_in.post("/logout")
    feed = client.get(path)  # a calendar app, not signed in
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert feed.headers["Cache-Control"] == "private, max-age=300"
    assert [str(e["uid"]) for e in Calendar.from_ical(feed.data).walk("VEVENT")] == [meeting.uid]
    assert client.get(path.replace(".ics", "x.ics")).status_code == 404

    meetings.revoke_calendar_token(manager)
    assert client.get(path).status_code == 404


def test_the_form_shows_both_clocks(logged_in, partner):
    page = logged_in.get(f"/meetings/new/{partner.id}").get_data(as_text=True)

    assert "Your time (Europe/Berlin)" in page
    assert 'data-partner-zone="America/Los_Angeles"' in page
    assert "meetings.js" in page


def test_the_calendar_page_shows_the_url_once(logged_in, manager):
    assert "You have no subscription URL yet." in logged_in.get("/meetings/calendar").get_data(
        as_text=True)
    made = logged_in.post("/meetings/calendar/token").get_data(as_text=True)
    assert "/calendar/" in made and ".ics" in made

    later = logged_in.get("/meetings/calendar").get_data(as_text=True)
    assert "It is not shown again" in later and 'id="feed-url"' not in later
