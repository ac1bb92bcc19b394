"""The partner page's performance section: 90-day charts, totals, the empty state."""

import json
import re
from datetime import date, timedelta

from crm.extensions import db
from crm.performance.service import upsert_days
from tests.conftest import START
from tests.factories import make_client, make_membership, make_partner
from tests.performance.helpers import forkful

TODAY = START.date()


def add_day(membership, day: date, clicks: int, conversions: int, revenue: int, commission: int):
    upsert_days([{"membership_id": membership.id, "day": day, "clicks": clicks,
                  "conversions": conversions, "revenue_cents": revenue,
                  "commission_cents": commission, "imported_at": START}])
    db.session.commit()


def charts(page: str) -> list[dict]:
    return [json.loads(spec.replace("&#39;", "'").replace("&#34;", '"').replace("&amp;", "&"))
            for spec in re.findall(r"data-chart='([^']*)'", page)]


def test_the_partner_page_shows_90_day_totals_and_a_line_per_program(logged_in):
    program = forkful()
    summit = make_client(name="Summit", currency="EUR")
    summit_membership = make_membership(program.alice, summit, status="approved")
    add_day(program.alice_membership, TODAY - timedelta(days=1), 200, 4, 48000, 4800)
    add_day(program.alice_membership, TODAY - timedelta(days=3), 100, 1, 12000, 1200)
    add_day(program.alice_membership, TODAY - timedelta(days=120), 9999, 99, 999900, 99900)
    add_day(summit_membership, TODAY, 50, 0, -2500, -250)

    page = logged_in.get(f"/partners/{program.alice.id}").data.decode()

    forkful_row = re.search(r"<th scope=\"row\">Forkful</th>(.*?)</tr>", page, re.S).group(1)
    assert re.findall(r'<td class="num">([^<]*)</td>', forkful_row) == [
        "300", "5", "1.7%", "$600.00", "$60.00", "$0.20"]
    assert "-€25.00" in page  # a reversal in the other program's currency
    revenue, clicks = charts(page)
    assert revenue["type"] == "line" and clicks["type"] == "bar"
    assert len(revenue["labels"]) == 90 and revenue["labels"][-1] == TODAY.isoformat()
    assert [d["label"] for d in revenue["datasets"]] == ["Forkful (USD)", "Summit (EUR)"]
    forkful_revenue = revenue["datasets"][0]["data"]
    assert forkful_revenue[-4:] == [120.0, None, 480.0, None]  # days without figures: gaps
    assert sum(v for v in forkful_revenue if v) == 600.0  # the day 120 days ago is outside
    assert clicks["datasets"][1]["data"][-1] == 50
    assert 'role="img" aria-label="Revenue per day' in page
    assert "Daily figures (3 rows)" in page


def test_a_partner_without_figures_gets_an_empty_state_and_no_chart(logged_in):
    program = forkful()

    page = logged_in.get(f"/partners/{program.bob.id}").data.decode()

    assert "No performance figures in the last 90 days." in page
    assert 'href="/performance/"' in page
    assert "data-chart=" not in page


def test_a_partner_in_no_program_is_told_so(logged_in):
    loner = make_partner(name="Lone Wolf")

    page = logged_in.get(f"/partners/{loner.id}").data.decode()

    assert "Lone Wolf is not in any client's program yet" in page
