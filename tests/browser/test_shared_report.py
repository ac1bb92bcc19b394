"""Chromium opens a shared report: every chart is drawn, and print-to-PDF gives a clean
multi-page document without the app's navigation or forms."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date

from crm.reports import sharing
from crm.reports.periods import Period
from tests.browser.test_partner_flow import pytestmark  # noqa: F401  (SQLite, CSRF on)
from tests.reports import scenario
from tests.services import unavailable

FEBRUARY = Period("custom", date(2026, 2, 1), date(2026, 2, 28))
# Counts canvases that have a Chart and at least one painted (non-transparent) pixel.
DRAWN_CHARTS = """() => [...document.querySelectorAll("canvas[data-chart]")].filter((canvas) => {
  if (!canvas.rapportChart) return false;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
  return false;
}).length"""


def _shared_url(live_server: str, manager) -> str:
    program = scenario.build(manager)
    _, token = sharing.create_share(program.client, FEBRUARY, manager)
    return f"{live_server}/reports/shared/{token}"


def test_a_shared_report_opens_in_chromium_with_every_chart_drawn(app, live_server, browser,
                                                                  manager):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    response = page.goto(_shared_url(live_server, manager))

    assert response.status == 200
    page.wait_for_function("() => document.querySelectorAll('canvas[data-chart]').length > 0 "
                           "&& [...document.querySelectorAll('canvas[data-chart]')]"
                           ".every((c) => c.rapportChart)")
    canvases = page.locator("canvas[data-chart]").count()
    assert canvases == 4
    assert page.evaluate(DRAWN_CHARTS) == canvases
    assert page.locator("nav[aria-label=Main]").count() == 0


def test_printing_a_shared_report_gives_clean_pages(app, live_server, browser, manager,
                                                    tmp_path):
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed (apt-get install poppler-utils)")
    page = browser.new_page(viewport={"width": 794, "height": 1123})
    page.goto(_shared_url(live_server, manager))
    page.wait_for_function("() => [...document.querySelectorAll('canvas[data-chart]')]"
                           ".every((c) => c.rapportChart)")
    page.emulate_media(media="print")
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")

    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(page.pdf(format="A4", print_background=True))

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines()
                     if line.startswith("Pages:")))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert pages >= 2
    assert "Acme Outdoor: program report" in text and "Top partners by revenue" in text
    for absent in ("Skip to content", "Follow-ups", "Sign out", "CSV", "Shared by your"):
        assert absent not in text
    if os.environ.get("RAPPORT_TEST_KEEP_PDF"):  # to look at the pages: pdftoppm -png
        shutil.copy(pdf, os.environ["RAPPORT_TEST_KEEP_PDF"])
