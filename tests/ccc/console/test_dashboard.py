"""The supervisors' dashboard: figures as tables (and charts), exportable as CSV."""

from __future__ import annotations

import json
import re
from html import unescape

from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket


def test_a_supervisor_sees_the_figures_and_downloads_them(ccc: Harness) -> None:
    open_ticket(ccc, "+9647701111111", "tracing")
    open_ticket(ccc, "+9647702222222", "assistance")
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor"))
    page = sam.get("/console/dashboard")
    assert page.status_code == 200
    assert "Tickets by channel" in page.text and "data-chart=" in page.text
    assert "/console/static/chart.umd.min.js" in page.text
    csv = sam.get("/console/dashboard.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == "figure,key,value"
    # One ticket each: under CCC_REPORT_MIN_COUNT (5), shown as the API shows it.
    assert "by_category,tracing,<5" in lines and "by_category,assistance,<5" in lines
    assert "tickets_created,,2" in lines
    assert small_counts(lines) == []


def small_counts(lines: list[str]) -> list[str]:
    """The breakdown rows of a dashboard CSV with a count under the small-count rule (5)."""
    breakdowns = ("by_", "backlog,", "calls,")
    return [
        line
        for line in lines
        if line.startswith(breakdowns)
        and line.rsplit(",", 1)[1].isdigit()
        and 0 < int(line.rsplit(",", 1)[1]) < 5
    ]


def test_no_breakdown_singles_out_a_person_on_the_page_or_in_the_export(ccc: Harness) -> None:
    """The dashboard and its CSV follow `/api/reports/summary`: a governorate with one ticket
    is "<5" for every reader, never 1."""
    open_ticket(ccc, "+9647705555555", "tracing")
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor"))
    lines = sam.get("/console/dashboard.csv").text.splitlines()
    assert small_counts(lines) == []
    assert [line for line in lines if line.startswith("by_day,")][0].endswith(",<5")
    assert "backlog,< 1 d,<5" in lines
    page = sam.get("/console/dashboard").text
    assert "&lt;5" in page
    api = ccc.client.get("/api/reports/summary", headers=ccc.user("sam2", "supervisor"))
    assert set(api.json()["by_category"].values()) == {"<5"}


def test_a_restricted_case_is_not_counted_for_a_supervisor_outside_the_focal_team(
    ccc: Harness,
) -> None:
    open_ticket(ccc, "+9647703333333", "staff_conduct")  # restricted by the shipped rules
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor", ["ccc"]))
    lines = sam.get("/console/dashboard.csv").text.splitlines()
    assert not [
        line
        for line in lines
        if line.startswith("by_") or line.startswith("backlog,") and not line.endswith(",0")
    ]
    assert "tickets_created,,0" in lines


def test_agents_have_no_dashboard(ccc: Harness) -> None:
    alice = Browser.open(ccc)
    alice.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    assert alice.get("/console/dashboard").status_code == 403
    assert alice.get("/console/dashboard.csv").status_code == 403
    assert "/console/dashboard" not in alice.get("/console").text


def charts_of(html: str) -> dict[str, dict[str, object]]:
    found = re.findall(r"<h2 id=\"chart-(\w+)\">.*?data-chart='([^']*)'", html, re.S)
    return {name: json.loads(unescape(data)) for name, data in found}


def test_charts_labels_and_axes_are_in_the_readers_language(ccc: Harness) -> None:
    open_ticket(ccc, "+9647704444444", "tracing")
    sara = Browser.open(ccc)
    sara.log_in("sara", console_user(ccc, "sara", "supervisor", language="ar"))
    charts = charts_of(sara.get("/console/dashboard").text)
    assert set(charts) >= {"by_channel", "by_category", "backlog", "calls"}
    assert charts["by_channel"]["labels"] == ["المحاكي"]
    assert charts["by_category"]["labels"] == ["البحث عن المفقودين"]
    assert charts["backlog"]["labels"][0] == "أقل من يوم"
    assert charts["calls"]["labels"][0] == "المكالمات الواردة"
    assert (charts["by_channel"]["x"], charts["by_channel"]["y"]) == ("القناة", "العدد")
    for name, chart in charts.items():
        if name != "by_day":  # days are dates, written with digits
            labels: list[object] = chart["labels"]  # type: ignore[assignment]
            texts = [*map(str, labels), str(chart["x"]), str(chart["y"]), str(chart["label"])]
            assert not [t for t in texts if re.search(r"[A-Za-z]{2,}", t)], (name, texts)


def test_the_calls_figures_are_on_the_dashboard_and_in_its_csv(ccc: Harness) -> None:
    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor"))
    page = sam.get("/console/dashboard").text
    assert "Calls and callbacks" in page and "Median wait in the voice queue" in page
    assert charts_of(page)["calls"]["labels"] == [
        "Calls received",
        "Answered by an agent",
        "Abandoned",
        "Turned away: lines busy",
        "Voice messages",
        "Callbacks requested",
        "Callbacks: reached",
        "Callbacks: not reached",
    ]
    lines = sam.get("/console/dashboard.csv").text.splitlines()
    assert "calls,received,0" in lines and "calls,callbacks_not_reached,0" in lines
    assert "calls,median_wait_seconds," in lines
