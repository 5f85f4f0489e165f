"""Leak 4: a supervisor outside the focal team bisected report windows to locate restricted
tickets. Restricted cases are left out of their figures, and windows are whole days or hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.ccc.access.helpers import ticket
from tests.conftest import Harness
from tests.flows import open_ticket


def windows() -> list[dict[str, str]]:
    now = datetime.now(UTC)
    today, tomorrow = now.date(), now.date() + timedelta(days=1)
    hour = now.strftime("%Y-%m-%dT%H")
    next_hour = (now + timedelta(hours=1)).strftime("%Y-%m-%dT%H")
    return [
        {"from": today.isoformat(), "to": today.isoformat()},
        {"from": f"{today.isoformat()}T00", "to": tomorrow.isoformat()},
        {"from": hour, "to": next_hour},
        {"from": f"{hour}:00:00Z", "to": f"{next_hour}:00:00+00:00"},
        {"from": f"{today.year}-01-01", "to": f"{today.year}-12-31"},
    ]


def reports(
    ccc: Harness, headers: dict[str, str], periods: list[dict[str, str]]
) -> list[dict[str, Any]]:
    answers = []
    for params in periods:
        response = ccc.client.get("/api/reports/summary", params=params, headers=headers)
        assert response.status_code == 200, response.text
        answers.append(response.json())
    return answers


def test_adding_a_restricted_ticket_changes_no_report_answer_for_an_outsider(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    focal = ccc.user("farah", "supervisor", ["accountability"])
    for n in range(6):
        open_ticket(ccc, f"+96477000001{n:02d}", "tracing" if n % 2 else "assistance")
    periods = windows()
    before, focal_before = reports(ccc, supervisor, periods), reports(ccc, focal, periods)

    reference = open_ticket(ccc, "+9647709990001", "staff_conduct")
    assert ticket(ccc, reference, focal)["sensitivity"] == "restricted"

    assert reports(ccc, supervisor, periods) == before
    # The focal team's own figures do count it: the ticket really is inside those windows.
    focal_after = reports(ccc, focal, periods)
    assert [r["tickets_created"] for r in focal_after] == [
        r["tickets_created"] + 1 for r in focal_before
    ]


@pytest.mark.parametrize(
    "bound",
    ["2026-01-01T10:30", "2026-01-01T10:00:00.001", "2026-01-01T10:00:01Z", "2026-01-01T1"],
)
def test_report_windows_are_whole_days_or_hours(
    ccc: Harness, supervisor: dict[str, str], bound: str
) -> None:
    for params in ({"from": bound}, {"to": bound}):
        response = ccc.client.get("/api/reports/summary", params=params, headers=supervisor)
        assert response.status_code == 422
        assert "whole days or hours" in str(response.json()["detail"])


def test_small_counts_in_breakdowns_are_shown_as_under_the_threshold(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    for n in range(5):
        open_ticket(ccc, f"+96477000002{n:02d}", "assistance")
    open_ticket(ccc, "+9647700000300", "tracing")
    today = datetime.now(UTC).date().isoformat()
    report = ccc.client.get(
        "/api/reports/summary", params={"from": today, "to": today}, headers=supervisor
    ).json()
    assert report["by_category"] == {"assistance": 5, "tracing": "<5"}
    assert report["tickets_created"] == 6
