"""Keyset pages stay stable while partners are added between requests."""

from crm.api.pagination import decode_cursor, encode_cursor, id_cursor
from tests.factories import make_partner


def _next_page(api, cursor: str | None) -> dict:
    query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
    response = api.get("/api/v1/partners", query_string=query)
    assert response.status_code == 200, response.data
    return response.get_json()


def test_paging_with_inserts_between_pages_skips_and_repeats_nothing(api):
    existing = [make_partner().id for _ in range(5)]

    seen, cursor, pages = [], None, 0
    while True:
        page = _next_page(api, cursor)
        seen += [item["id"] for item in page["items"]]
        pages += 1
        make_partner()  # a new partner arrives while the caller reads the next page
        cursor = page["next_cursor"]
        if cursor is None or pages > 20:
            break

    assert len(seen) == len(set(seen))
    assert set(existing) <= set(seen)
    assert seen == sorted(seen)


def test_a_full_last_page_still_says_there_is_nothing_more(api):
    make_partner(), make_partner()

    page = _next_page(api, None)

    assert len(page["items"]) == 2
    assert page["next_cursor"] is None


def test_cursor_is_opaque_urlsafe_and_round_trips():
    cursor = id_cursor(1234)

    assert cursor.isascii() and "=" not in cursor and "/" not in cursor and "+" not in cursor
    assert decode_cursor(cursor) == ["id:1234"]
    assert decode_cursor(encode_cursor("at:2026-03-10T14:00:00+00:00", "id:7")) == [
        "at:2026-03-10T14:00:00+00:00", "id:7"
    ]
