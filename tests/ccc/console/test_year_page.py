"""The year report's console page: the command's figures, as charts and tables, and its CSV."""

from __future__ import annotations

import re
from html import unescape

from ccc.reports.chart import Series, bar_chart
from ccc.reports.year import as_csv, figures
from tests.ccc.console.browsing import Browser, console_user
from tests.ccc.reports.test_year import ADMIN
from tests.ccc.retention.year import generate
from tests.conftest import Harness

SVG = re.compile(r"<svg\b.*?</svg>", re.S)


def _year(ccc: Harness, count: int = 60) -> dict[str, object]:
    with ccc.session() as session:
        generate(session, year=2024, count=count, recordings_dir=None)
        session.commit()
    with ccc.session() as session:
        shown = figures(session, year=2024, caller=ADMIN, settings=ccc.runtime.settings)
        session.commit()
    return shown


def test_the_page_and_its_csv_show_the_commands_figures(ccc: Harness) -> None:
    shown = _year(ccc)
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor", ["ccc"]))
    page = sam.get("/console/reports/year", params={"year": "2024"})
    assert page.status_code == 200, page.text
    cells = dict(re.findall(r'data-figure="([\w.]+)">([^<]*)<', page.text))
    assert cells["tickets_created"] == str(shown["tickets_created"])
    assert cells["inquiries_resolved"] == str(shown["inquiries_resolved"])
    assert unescape(cells["calls_received"]) == str(shown["calls_received"])
    download = sam.get("/console/reports/year.csv", params={"year": "2024"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text == as_csv(shown)
    assert 'href="/console/reports/year.csv?year=2024"' in page.text
    assert '<option value="2024" selected>' in page.text


def test_charts_are_svg_with_a_title_a_description_and_a_table_beside(ccc: Harness) -> None:
    shown = _year(ccc)
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor", ["ccc"]))
    html = sam.get("/console/reports/year?year=2024").text
    charts = SVG.findall(html)
    assert len(charts) == 7
    for svg in charts:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert "<script" not in "".join(charts) and "chart.umd" not in html
    assert html.count("data-chart=") == 7
    # the channel table beside its chart holds the year's figures, small counts as "<5"
    table = html.split('data-chart="year-by_channel"')[1].split("</table>")[0]
    counts = [unescape(cell) for cell in re.findall(r"</th><td>([^<]*)</td>", table)]
    assert counts == [str(n) for n in shown["by_channel"].values()]  # type: ignore[attr-defined]


def test_no_count_under_the_threshold_is_drawn_or_tabled(ccc: Harness) -> None:
    _year(ccc, count=12)
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor", ["ccc"]))
    html = sam.get("/console/reports/year?year=2024").text
    tables = "".join(part.split("</table>")[0] for part in html.split("data-chart=")[1:])
    cells = re.findall(r"<td>([^<]*)</td>", tables)
    small = [cell for cell in cells if cell.isdigit() and 0 < int(cell) < 5]
    assert small == [] and "&lt;5" in html
    bars = re.findall(r"<rect [^>]*><title>(\d+)</title>", html)
    assert all(int(n) == 0 or int(n) >= 5 for n in bars)


def test_arabic_reads_right_to_left_with_arabic_months(ccc: Harness) -> None:
    _year(ccc)
    amal = Browser.open(ccc)
    amal.log_in("amal", console_user(ccc, "amal", "supervisor", ["ccc"], language="ar"))
    html = amal.get("/console/reports/year?year=2024").text
    assert '<html lang="ar" dir="rtl">' in html
    assert "التقرير السنوي" in html and "يناير" in html
    kurdish = Browser.open(ccc)
    kurdish.log_in("dilan", console_user(ccc, "dilan", "supervisor", ["ccc"], language="kmr"))
    assert "ڕاپۆرتا سالانە" in kurdish.get("/console/reports/year?year=2024").text


def test_the_first_category_stands_right_when_right_to_left() -> None:
    def first_bar_x(rtl: bool) -> float:
        svg = bar_chart(
            key="k",
            title="t",
            description="d",
            labels=["a", "b", "c"],
            series=[Series("n", [10, 20, 30])],
            rtl=rtl,
        )
        return float(re.findall(r'<rect x="([\d.]+)"', svg)[0])

    assert first_bar_x(rtl=True) > first_bar_x(rtl=False) + 300


def test_agents_have_no_year_report(ccc: Harness) -> None:
    alice = Browser.open(ccc)
    alice.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    assert alice.get("/console/reports/year").status_code == 403
    assert alice.get("/console/reports/year.csv").status_code == 403
    assert "/console/reports/year" not in alice.get("/console").text


def test_a_year_out_of_range_is_refused_with_a_message(ccc: Harness) -> None:
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor", ["ccc"]))
    page = sam.get("/console/reports/year?year=1850")
    assert page.status_code == 422 and 'role="alert"' in page.text
