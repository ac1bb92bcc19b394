"""Share links: a live link shows that client's report and nothing else; revoked, expired,
tampered and unknown links are all a plain 404; only signed-in people make or revoke them."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.extensions import db
from crm.models import ReportShare
from crm.reports import sharing
from crm.reports.periods import Period
from tests.reports import scenario

FEBRUARY = Period("custom", date(2026, 2, 1), date(2026, 2, 28))


@pytest.fixture
def program(app, manager):
    return scenario.build(manager, partners=12)


@pytest.fixture
def link(program, manager):
    share, token = sharing.create_share(program.client, FEBRUARY, manager)
    return share, f"/reports/shared/{token}"


def test_a_live_link_shows_the_clients_report_without_a_login(client, program, link):
    response = client.get(link[1])

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Acme Outdoor: program report" in page
    assert "1 Feb 2026 – 28 Feb 2026" in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_a_shared_report_holds_nothing_internal_and_nothing_of_another_client(
        client, program, link):
    only_other = {m.partner.name for m in program.memberships
                  if m.client_id == program.other.id} - {
        m.partner.name for m in program.memberships if m.client_id == program.client.id}

    page = client.get(link[1]).get_data(as_text=True)

    assert only_other, "the scenario should have partners only in the other program"
    for name in only_other:
        assert name not in page
    assert "Borealis" not in page and "EUR" not in page
    for secret in ("INTERNAL-BRAND-NOTE", "INTERNAL-INTERACTION-BODY", "INTERNAL-REASON",
                   "INTERNAL-PLACEMENT-NOTE"):
        assert secret not in page
    assert 'href="/partners/' not in page and 'href="/clients/' not in page
    assert "csrf_token" not in page and "<form" not in page


def test_the_only_links_on_a_shared_report_are_its_own_csv_files(client, link):
    token = link[1].rsplit("/", 1)[1]

    page = client.get(link[1]).get_data(as_text=True)

    hrefs = set(re.findall(r'href="([^"]+)"', page)) - {"#main", "data:,"}
    page_links = {h for h in hrefs if not h.startswith("/static/")}
    assert page_links and all(h.startswith(f"/reports/shared/{token}/") and h.endswith(".csv")
                              for h in page_links)


def test_a_shared_csv_goes_through_the_same_token(client, link):
    response = client.get(f"{link[1]}/top_partners.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data(as_text=True).startswith("partner,clicks,conversions,revenue_USD")


def test_a_revoked_link_is_a_404(client, link):
    sharing.revoke_share(link[0])

    assert client.get(link[1]).status_code == 404
    assert client.get(f"{link[1]}/welcome.csv").status_code == 404


def test_an_expired_link_is_a_404(client, clock, link):
    assert client.get(link[1]).status_code == 200

    clock.set(link[0].expires_at)

    assert client.get(link[1]).status_code == 404


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: t[:-4],
    lambda t: t + "x",
    lambda t: "x" * 200,
])
def test_a_tampered_token_is_a_404(client, link, tamper):
    token = link[1].rsplit("/", 1)[1]

    assert client.get(f"/reports/shared/{tamper(token)}").status_code == 404


def test_only_a_digest_of_the_token_is_stored_and_a_view_is_noted(client, clock, link):
    share, url = link
    token = url.rsplit("/", 1)[1]

    client.get(url)

    db.session.refresh(share)
    assert share.token_hash != token and token not in share.token_hash
    assert share.last_viewed_at == clock.now()


def test_links_last_30_days_by_default_and_at_most_a_year(program, manager, clock):
    share, _ = sharing.create_share(program.client, FEBRUARY, manager)

    assert share.expires_at == clock.now() + timedelta(days=30)
    with pytest.raises(sharing.InvalidInput):
        sharing.create_share(program.client, FEBRUARY, manager, expires_in_days=366)


def test_a_manager_makes_a_link_from_the_report_page_and_sees_it_once(logged_in, program):
    response = logged_in.post(f"/reports/{program.client.id}/shares",
                              data={"period": "last_month", "expires_in_days": "7"})

    page = response.get_data(as_text=True)
    url = re.search(r'id="new-share-url" value="http://[^/]+(/reports/shared/[^"]+)"', page)
    assert response.status_code == 200 and url
    assert logged_in.get(url.group(1)).status_code == 200
    assert "new-share-url" not in logged_in.get(f"/reports/{program.client.id}").get_data(
        as_text=True)


def test_a_manager_revokes_a_link_from_the_report_page(logged_in, program, link):
    response = logged_in.post(f"/reports/{program.client.id}/shares/{link[0].id}/revoke")

    assert response.status_code == 302
    assert logged_in.get(link[1]).status_code == 404


def test_a_link_cannot_be_revoked_through_another_clients_page(logged_in, program, link):
    response = logged_in.post(f"/reports/{program.other.id}/shares/{link[0].id}/revoke")

    assert response.status_code == 404
    assert logged_in.get(link[1]).status_code == 200


def test_strangers_cannot_make_a_link(client, program):
    response = client.post(f"/reports/{program.client.id}/shares", data={"period": "last_month"})

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalars(select(ReportShare)).first() is None


def test_a_bad_expiry_is_a_form_error_and_makes_no_link(logged_in, program):
    response = logged_in.post(f"/reports/{program.client.id}/shares",
                              data={"period": "last_month", "expires_in_days": "forever"})

    assert response.status_code == 422
    assert "How many days should the link last?" in response.get_data(as_text=True)
    assert db.session.scalars(select(ReportShare)).first() is None
