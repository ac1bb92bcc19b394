"""The manager's report page: periods, charts, the link from the client page, bad input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from tests.factories import make_client, make_interaction, make_partner
from tests.reports import helpers


@pytest.fixture
def acme(app, manager):
    """A client with one member who was called in February and earned in February."""
    client = make_client(name="Acme Outdoor")
    partner = make_partner(name="Jamie Rivera", source="youtube", stage="active")
    membership = helpers.make_member(partner, client, datetime(2026, 2, 3, tzinfo=UTC))
    make_interaction(partner, datetime(2026, 2, 4, 10, tzinfo=UTC), kind="call",
                     author_id=manager.id)
    helpers.make_day(membership, datetime(2026, 2, 5).date(), clicks=40, revenue_cents=123_450)
    helpers.make_day(membership, datetime(2026, 1, 20).date(), clicks=10, revenue_cents=100_000)
    from crm.extensions import db

    db.session.commit()
    return client


def _charts(page: str) -> list[dict]:
    import html

    return [json.loads(html.unescape(spec)) for spec in re.findall(r"data-chart='([^']+)'", page)]


def test_the_client_page_links_to_its_report(logged_in, acme):
    page = logged_in.get(f"/clients/{acme.id}").get_data(as_text=True)

    assert f'href="/reports/{acme.id}"' in page


def test_the_report_page_shows_last_month_with_its_charts(logged_in, acme):
    response = logged_in.get(f"/reports/{acme.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 Feb 2026 – 28 Feb 2026" in page
    assert "1,234.50 USD" in page and "+23.4%" in page  # 1,234.50 against 1,000.00
    charts = _charts(page)
    assert [c["type"] for c in charts] == ["bar", "bar", "line", "line"]
    assert charts[0]["labels"] == ["Youtube"]
    assert charts[1]["labels"] == ["Mia Manager"]
    assert sum(charts[2]["datasets"][0]["data"]) == pytest.approx(1234.5)
    assert "report-print.css" in page and "chart.umd.min.js" in page


def test_a_custom_period_is_reported_for_its_dates(logged_in, acme):
    response = logged_in.get(f"/reports/{acme.id}?period=custom&start=2026-01-01&end=2026-01-31")

    page = response.get_data(as_text=True)
    assert "1 Jan 2026 – 31 Jan 2026" in page
    assert "1,000.00 USD" in page


def test_a_reversed_custom_period_is_a_clear_error_on_the_page(logged_in, acme):
    response = logged_in.get(f"/reports/{acme.id}?period=custom&start=2026-02-10&end=2026-02-01")

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The period ends before it starts." in page
    assert 'aria-invalid="true"' in page


def test_each_table_downloads_as_csv_for_the_pages_dates(logged_in, acme):
    response = logged_in.get(
        f"/reports/{acme.id}/performance.csv?period=custom&start=2026-02-01&end=2026-02-28")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="report-{acme.id}-performance-2026-02-01-2026-02-28.csv"')
    assert response.get_data(as_text=True).splitlines() == [
        "day,clicks,conversions,revenue_USD,commission_USD", "2026-02-05,40,0,1234.50,0.00"]


def test_every_csv_link_on_the_page_downloads(logged_in, acme):
    page = logged_in.get(f"/reports/{acme.id}").get_data(as_text=True)
    links = sorted(set(re.findall(r'href="(/reports/\d+/[a-z_]+\.csv[^"]*)"', page)))

    assert len(links) == 9
    for link in links:
        response = logged_in.get(link.replace("&amp;", "&"))
        assert response.status_code == 200 and response.mimetype == "text/csv", link


def test_an_unknown_table_or_client_is_a_404(logged_in, acme):
    assert logged_in.get(f"/reports/{acme.id}/secrets.csv").status_code == 404
    assert logged_in.get("/reports/999999").status_code == 404
