"""The supervisors' dashboard: figures as tables (and charts), exportable as CSV."""

from __future__ import annotations

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
    assert "by_category,tracing,1" in lines and "by_category,assistance,1" in lines
    assert "tickets_created,,2" in lines


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
