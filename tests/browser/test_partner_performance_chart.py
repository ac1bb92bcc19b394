"""Chromium opens a partner page: both 90-day performance charts are built and drawn, with
no console error, failed request or 4xx/5xx answer on the way (not even /favicon.ico)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm.extensions import db
from crm.models import PerformanceDay
from tests.browser.test_partner_flow import pytestmark  # noqa: F401  (SQLite, CSRF on)
from tests.conftest import PASSWORD, START
from tests.factories import make_client, make_membership, make_partner

TODAY = START.date()
FIRST_DAY = TODAY - timedelta(days=89)
# The first two colours of static/charts.js's palette: one per program, in client-name order.
COLOURS = {"Forkful": (0x1F, 0x6F, 0xEB), "Summit": (0x2D, 0xA4, 0x4E)}

# What Chart.js holds for every canvas of the performance section.
CHART_DATA = """() => [...document.querySelectorAll("#performance canvas[data-chart]")].map(
  (canvas) => canvas.rapportChart && {
    type: canvas.rapportChart.config.type,
    labels: canvas.rapportChart.data.labels,
    datasets: canvas.rapportChart.data.datasets.map((set) => ({
      label: set.label, points: set.data.length,
      values: set.data.filter((value) => value !== null).length,
    })),
  })"""
# Per canvas: how many pixels are painted at all, and how many inside the plot area (not the
# legend, whose boxes carry the colours too) in each program's colour, within antialiasing.
PAINTED = """(colours) => [...document.querySelectorAll("#performance canvas[data-chart]")].map(
  (canvas) => {
    const context = canvas.getContext("2d");
    const counts = {painted: 0};
    for (const alpha of [...context.getImageData(0, 0, canvas.width, canvas.height).data]
      .filter((_, i) => i % 4 === 3)) if (alpha !== 0) counts.painted += 1;
    const scale = canvas.width / canvas.clientWidth;
    const area = canvas.rapportChart.chartArea;
    const [x, y] = [Math.ceil(area.left * scale), Math.ceil(area.top * scale)];
    const pixels = context.getImageData(x, y, Math.floor(area.right * scale) - x,
                                        Math.floor(area.bottom * scale) - y).data;
    for (const name of Object.keys(colours)) counts[name] = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i + 3] < 128) continue;
      for (const [name, [r, g, b]] of Object.entries(colours)) {
        if (Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g)
            + Math.abs(pixels[i + 2] - b) <= 24) counts[name] += 1;
      }
    }
    return counts;
  })"""


def days_of_figures(membership, days: int, size: int) -> None:
    """`days` days of figures for the membership, ending today, none of them zero."""
    for n in range(days):
        db.session.add(PerformanceDay(
            membership_id=membership.id, day=TODAY - timedelta(days=n),
            clicks=size * (12 + (n * 37) % 9), conversions=1 + n % 5,
            revenue_cents=size * (4_000 + (n * 7_919) % 3_000), commission_cents=size * 400,
            imported_at=START,
        ))
    db.session.commit()


def partner_with_figures():
    """Alice: 90 days of figures in Forkful's program and the last 30 in Summit's."""
    alice = make_partner(name="Alice Ames", email="alice@trailtested.com")
    # Summit's figures are a third of Forkful's, so neither line hides the other.
    days_of_figures(make_membership(alice, make_client(name="Forkful"), status="approved"), 90,
                    size=30)
    days_of_figures(make_membership(alice, make_client(name="Summit"), status="approved"), 30,
                    size=10)
    return alice


@pytest.fixture
def server_log(app) -> list[tuple[str, str, int]]:
    """(method, path, status) of every request the live server answers, browser's own too.

    Playwright's page events miss requests Chromium makes for itself, like /favicon.ico.
    """
    answered: list[tuple[str, str, int]] = []
    inner = app.wsgi_app

    def recording(environ, start_response):
        def start(status, headers, exc_info=None):
            answered.append((environ["REQUEST_METHOD"], environ["PATH_INFO"],
                             int(status.split()[0])))
            return start_response(status, headers, exc_info)
        return inner(environ, start)

    app.wsgi_app = recording
    return answered


def listen(page) -> list[str]:
    """Every console error, page error, failed request and 4xx/5xx response, as text."""
    problems: list[str] = []
    page.on("console", lambda message: message.type == "error" and problems.append(
        f"console: {message.text}"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda request: problems.append(
        f"failed: {request.url} ({request.failure})"))
    page.on("response", lambda response: response.status >= 400 and problems.append(
        f"{response.status}: {response.url}"))
    return problems


def sign_in(page, live_server: str, manager) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def test_the_partner_page_draws_both_performance_charts_without_errors(
        app, live_server, browser, manager, server_log):
    alice = partner_with_figures()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = listen(page)

    # Given a signed-in manager, when they open the partner page
    sign_in(page, live_server, manager)
    response = page.goto(f"{live_server}/partners/{alice.id}")
    assert response.status == 200
    page.wait_for_function("""() => {
      const canvases = document.querySelectorAll("#performance canvas[data-chart]");
      return canvases.length > 0 && [...canvases].every((canvas) => canvas.rapportChart);
    }""")

    # Then each chart holds one dataset per program over the 90 days, gaps where no figures
    charts = page.evaluate(CHART_DATA)
    assert [chart["type"] for chart in charts] == ["line", "bar"]
    datasets = [{"label": "Forkful", "points": 90, "values": 90},
                {"label": "Summit", "points": 90, "values": 30}]
    for chart in charts:
        assert len(chart["labels"]) == 90
        assert (chart["labels"][0], chart["labels"][-1]) == (FIRST_DAY.isoformat(),
                                                             TODAY.isoformat())
        assert chart["datasets"] == datasets

    # And each canvas is painted, with each program's line or bars in its own colour
    for painted in page.evaluate(PAINTED, COLOURS):
        assert painted["painted"] > 1_000, painted
        assert painted["Forkful"] > 100 and painted["Summit"] > 100, painted

    # And nothing failed on the way: no console error, no failed request, no 4xx/5xx
    assert problems == []
    assert ("GET", f"/partners/{alice.id}", 200) in server_log
    assert [answer for answer in server_log if answer[2] >= 400] == []
    # The icon is inline, so Chromium never asks for /favicon.ico (the app has none).
    assert page.evaluate("() => document.querySelector('link[rel=icon]')?.href") == "data:,"
