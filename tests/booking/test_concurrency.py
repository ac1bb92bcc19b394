"""No double booking under truly concurrent requests: threads against a live server.

Every visitor loaded the page before anyone booked, then all press "Book" at once (a
barrier). The database decides: the manager's lock row serialises the bookings, so exactly
one wins and every other visitor gets the clash page with fresh times.
"""

from __future__ import annotations

import http.client
import threading
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select

from crm.extensions import db
from crm.models import Availability, Meeting
from tests.booking.conftest import WEDNESDAY_TEN, path_of
from tests.browser.conftest import live_server  # noqa: F401  (the fixture)
from tests.factories import make_partner

TEN, HALF_PAST, ELEVEN = "2026-03-11T09:00Z", "2026-03-11T09:30Z", "2026-03-11T10:00Z"


def book_at_once(base_url: str, posts: list[tuple[str, str]]) -> list[tuple[int, str]]:
    """POST each (path, start) from its own thread, all released together."""
    host = urlsplit(base_url)
    barrier = threading.Barrier(len(posts))
    answers: list[tuple[int, str] | None] = [None] * len(posts)

    def visitor(number: int, path: str, start: str) -> None:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=30)
        body = urlencode({"start": start, "tz": "Europe/Berlin"})
        barrier.wait(timeout=30)
        connection.request("POST", path, body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        answers[number] = (response.status, response.read().decode())
        connection.close()

    threads = [threading.Thread(target=visitor, args=(n, path, start))
               for n, (path, start) in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(answer is not None for answer in answers)
    return answers  # type: ignore[return-value]


def partner_paths(manager, count: int) -> list[str]:
    from crm.booking import links

    return [path_of(links.partner_link(make_partner(owner_id=manager.id).id))
            for _ in range(count)]


def test_six_visitors_taking_the_same_time_at_once_one_wins(app, live_server,  # noqa: F811
                                                            host_manager):
    paths = partner_paths(host_manager, 6)

    answers = book_at_once(live_server, [(path, TEN) for path in paths])

    statuses = sorted(status for status, _ in answers)
    assert statuses == [303, 409, 409, 409, 409, 409]
    losers = [body for status, body in answers if status == 409]
    assert all("Sorry, that time was just taken" in body for body in losers)
    assert all(f"start={HALF_PAST}" not in body and f"start={ELEVEN}" in body
               for body in losers)  # fresh times: the buffer after the winner's call too
    db.session.expire_all()
    assert db.session.scalars(select(Meeting.starts_at)).all() == [WEDNESDAY_TEN]


def test_buffers_and_the_daily_maximum_hold_under_concurrent_bookings(
        app, live_server, host_manager):  # noqa: F811
    # Given one call a day at most: different times on the same day, all at once
    db.session.get(Availability, host_manager.id).max_per_day = 1
    db.session.commit()
    paths = partner_paths(host_manager, 4)

    answers = book_at_once(live_server, list(zip(paths, [TEN, HALF_PAST, ELEVEN, TEN],
                                                 strict=True)))

    assert sorted(status for status, _ in answers) == [303, 409, 409, 409]
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Meeting.id))) == 1
