"""The year page and the dashboard speak the reader's language: every label of a chart, a table
or a heading goes through the catalogues (`ccc.console.report_page.label`), so no raw key
(`tracing`, `voice`, `ninawa`, a team's `ccc`, a figure's `by_channel`) is shown, in Arabic,
Sorani, Badini or English."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from babel.dates import get_month_names

from ccc.console.pages_year import BADINI_MONTHS, month_names
from ccc.console.report_page import label
from tests.ccc.console.browsing import Browser, console_user
from tests.ccc.retention.year import CATEGORIES, CHANNELS, GOVERNORATES, TEAM_OF, generate
from tests.conftest import Harness

LANGUAGES = ("ar", "ckb", "kmr", "en")
# The generated year's keys: categories, channels, governorates and teams, and the report's
# own names for its figures.
SLUGS = frozenset(
    {*CATEGORIES, *CHANNELS, *GOVERNORATES, *TEAM_OF.values(), "simulator"}
    | {"by_channel", "by_category", "by_team", "by_governorate", "calls_received"}
    | {"messages_received", "tickets_created", "inquiries_resolved", "callbacks"}
)
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff ]+")
TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def _shown(html: str) -> list[str]:
    """What a reader sees in the page's main part (headings, tables, the charts' titles and
    descriptions), line by line, and every label of the dashboard's chart data."""
    body = html.split("<main", 1)[-1]
    lines = [line.strip() for line in unescape(TAGS.sub("\n", body)).splitlines()]
    for data in re.findall(r"data-chart='([^']*)'", html):
        chart = json.loads(unescape(data))
        lines += [str(chart.get("label", "")), str(chart.get("x", "")), str(chart.get("y", ""))]
        lines += [str(one) for one in chart.get("labels", [])]
    return [line for line in lines if line]


def _raw(lines: list[str], language: str) -> list[str]:
    """Lines showing a key. In Arabic and Kurdish, any key as a word of its own (the command's
    name `ccc report year`, quoted in the page, is no key). In English, where `voice` is also a
    word, a key standing as a label: a whole line, a table cell, or a chart description's item
    (`tracing: Jan <5`, `ninawa 11`)."""
    found = []
    for line in lines:
        words = set(re.findall(r"[A-Za-z_]+", line.replace("ccc report year", "")))
        if any("_" in word for word in words):
            found.append(line)
        elif language != "en" and words & SLUGS:
            found.append(line)
        elif language == "en":
            items = [item.strip() for item in re.split(r"[;,]", line)]
            heads = {re.split(r":|\s+[<\d]", item)[0].strip() for item in items}
            if heads & SLUGS:
                found.append(line)
    return found


@pytest.fixture
def year_of_work(ccc: Harness) -> Harness:
    with ccc.session() as session:
        generate(session, year=2024, count=60, recordings_dir=None)
        session.commit()
    return ccc


def _reader(ccc: Harness, language: str) -> Browser:
    reader = Browser.open(ccc)
    name = f"sup{language}"
    reader.log_in(name, console_user(ccc, name, "supervisor", ["ccc"], language=language))
    return reader


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_year_page_shows_no_raw_key(year_of_work: Harness, language: str) -> None:
    page = _reader(year_of_work, language).get("/console/reports/year", params={"year": "2024"})
    assert page.status_code == 200, page.text
    shown = _shown(page.text)
    assert len(shown) > 50  # the page's tables and charts were there to read
    assert _raw(shown, language) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_dashboard_shows_no_raw_key(year_of_work: Harness, language: str) -> None:
    window = {"start": "2024-01-01", "end": "2024-12-31"}
    page = _reader(year_of_work, language).get("/console/dashboard", params=window)
    assert page.status_code == 200, page.text
    shown = _shown(page.text)
    assert len(shown) > 30
    assert _raw(shown, language) == []


def test_a_key_is_worded_keyed_first_then_as_the_console_words_it_then_by_its_team() -> None:
    assert label("category", "tracing", "en") == "Tracing"
    assert label("category", "tracing", "ar") == "البحث عن المفقودين"
    assert label("channel", "voice", "ckb") == label("channel", "voice", "ckb", {}) != "voice"
    assert label("governorate", "ninawa", "en") == "Ninawa"
    assert label("team", "field", "en", {"field": "Field office"}) == "Field office"
    assert label("team", "field", "en") == "field"  # a slug nobody worded stays as it is


def test_months_are_in_each_language_badini_from_its_own_list() -> None:
    """CLDR has no Arabic-script Badini (its `ku_Arab` months are placeholders, M01…), so the
    Badini months are the console's own data (docs/translations.md asks for their review)."""
    badini = month_names("kmr")
    assert badini == list(BADINI_MONTHS) and len(set(badini)) == 12
    assert all(ARABIC_SCRIPT.fullmatch(name) for name in badini)
    assert month_names("ckb")[0] != badini[0] and ARABIC_SCRIPT.fullmatch(month_names("ckb")[0])
    assert month_names("en")[:3] == ["Jan", "Feb", "Mar"]
    assert all(ARABIC_SCRIPT.fullmatch(name) for name in month_names("ar"))
    assert "M01" in get_month_names("wide", locale="ku_Arab_IQ").values()  # still no data
