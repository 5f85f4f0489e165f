"""The year report's page in a real browser (Debian's chromium driven by Playwright), in
English and in Arabic: charts drawn without a script, each beside its table, right to left
in Arabic, and no serious accessibility finding."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ccc.console.browsing import console_user
from tests.ccc.console.conftest import log_in, needs_chromium, serious_violations, shot
from tests.ccc.console.test_browser import settings  # noqa: F401 (the browser's URL)
from tests.ccc.retention.year import generate
from tests.conftest import Harness

pytestmark = needs_chromium

TITLE = {"en": "Year report", "ar": "التقرير السنوي"}


@pytest.mark.parametrize(("language", "direction"), [("en", "ltr"), ("ar", "rtl")])
def test_the_year_report_in_a_browser(
    ccc: Harness,
    server: str,
    chromium: Any,
    language: str,
    direction: str,
) -> None:
    with ccc.session() as session:
        generate(session, year=2024, count=60, recordings_dir=None)
        session.commit()
    name = f"sara-{language}"
    page = log_in(chromium, name, console_user(ccc, name, "supervisor", ["ccc"], language=language))
    page.click("a[href='/console/reports/year']")
    page.wait_for_selector("#year-select")
    page.select_option("#year-select", "2024")
    page.click("form.filters button[type=submit]")
    page.wait_for_selector("svg.chart")
    assert page.get_attribute("html", "dir") == direction
    assert TITLE[language] in page.inner_text("h1")
    charts = page.locator("svg.chart")
    assert charts.count() == 7
    first = charts.first
    assert first.get_attribute("role") == "img"
    # the chart is drawn and sized by the browser, with no chart script on the page
    box = first.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 80
    assert page.evaluate("typeof Chart") == "undefined"
    assert page.locator("table[data-chart]").count() == 7
    months = page.locator("table[data-chart='month-contacts'] tbody tr")
    assert months.count() == 12
    # the months as the browser lays them out: January on the reader's starting side
    labels = first.locator("text[text-anchor=middle]")
    january = labels.first.bounding_box()
    december = labels.nth(11).bounding_box()
    assert january is not None and december is not None
    assert (january["x"] > december["x"]) == (direction == "rtl")
    assert first.locator("rect[fill]").count() > 12
    with page.expect_download() as download:
        page.click("a[href='/console/reports/year.csv?year=2024']")
    text = download.value.path().read_text(encoding="utf-8")
    assert text.startswith("figure,key,value\n")
    shot(page, f"{language}-year-report")
    assert serious_violations(chromium, page) == []
    assert not page.errors, page.errors
