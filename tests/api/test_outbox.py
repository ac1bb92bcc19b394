"""The outbox over the API: newest first, filters, keyset pages, one email in full."""

from tests.factories import make_partner
from tests.outbox.helpers import make_email


def ids(response) -> list[int]:
    assert response.status_code == 200, response.data
    return [item["id"] for item in response.get_json()["items"]]


def test_the_outbox_lists_newest_first(api):
    first, second = make_email(), make_email(status="sent")

    body = api.get("/api/v1/outbox").get_json()

    assert [item["id"] for item in body["items"]] == [second.id, first.id]
    item = body["items"][0]
    assert item["status"] == "sent"
    assert item["created_at"] == "2026-03-10T14:00:00+00:00"
    assert item["url"] == f"http://localhost/api/v1/outbox/{second.id}"
    assert "html_body" not in item
    assert body["next_cursor"] is None


def test_filters_by_status_and_partner(api):
    ola, pia = make_partner(), make_partner()
    to_ola = make_email(ola)
    sent_to_pia = make_email(pia, status="sent")
    make_email(pia, status="failed")

    assert ids(api.get("/api/v1/outbox", query_string={"partner_id": ola.id})) == [to_ola.id]
    assert ids(api.get("/api/v1/outbox", query_string={"status": "sent"})) == [sent_to_pia.id]


def test_pages_follow_the_cursor_without_repeats_while_new_mail_arrives(api):
    existing = [make_email().id for _ in range(5)]

    seen, cursor = [], None
    for _ in range(10):
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/outbox", query_string=query).get_json()
        seen += [item["id"] for item in page["items"]]
        make_email()  # newer mail does not push older mail onto the next page
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(existing, reverse=True)


def test_bad_filters_are_422s(api):
    for query in ({"status": "lost"}, {"cursor": "nonsense"}, {"limit": 0}, {"folder": "x"}):
        response = api.get("/api/v1/outbox", query_string=query)
        assert response.status_code == 422, query
        assert set(response.get_json()["error"]["fields"]) == set(query)


def test_one_email_in_full(api):
    row = make_email(subject="Welcome", html_body="<p>Hi</p>", text_body="Hi\n")

    body = api.get(f"/api/v1/outbox/{row.id}").get_json()

    assert (body["subject"], body["html_body"], body["text_body"]) == ("Welcome", "<p>Hi</p>",
                                                                       "Hi\n")
    assert body["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert body["message_id"] == row.message_id


def test_an_unknown_email_is_a_404(api):
    response = api.get("/api/v1/outbox/999")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
