"""The summary report: counts for a period, for supervisors only."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import Harness
from tests.flows import open_ticket


def test_the_summary_counts_what_came_in_and_what_was_resolved(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    first = open_ticket(ccc, "+9647701234567", "tracing")
    open_ticket(ccc, "+9647701234568", "assistance")
    ccc.client.post(f"/api/tickets/{first}/replies", json={"text": "We are on it."}, headers=agent)
    ccc.client.patch(f"/api/tickets/{first}", json={"status": "resolved"}, headers=agent)
    ccc.drain()

    today = datetime.now(UTC).date().isoformat()
    response = ccc.client.get(
        "/api/reports/summary", params={"from": today, "to": today}, headers=supervisor
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["tickets_created"] == 2
    assert report["by_category"] == {"tracing": 1, "assistance": 1}
    assert report["by_team"] == {"tracing": 1, "assistance": 1}
    assert report["by_channel"] == {"simulator": 2}
    assert report["by_status"] == {"resolved": 1, "new": 1}
    assert report["by_governorate"] == {"ninawa": 1}
    assert report["inquiries_resolved"] == 1
    assert report["calls_received"] == 0
    assert report["messages_received"]["simulator"] > 10
    assert report["median_first_response_seconds"] >= 0
    assert report["sla"] == {"first_response_met": 1.0, "resolution_met": 1.0}

    earlier = ccc.client.get(
        "/api/reports/summary",
        params={"from": "2020-01-01", "to": "2020-12-31"},
        headers=supervisor,
    ).json()
    assert earlier["tickets_created"] == 0 and earlier["median_resolution_seconds"] is None


def test_reports_are_for_supervisors_and_need_sane_dates(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    assert ccc.client.get("/api/reports/summary", headers=agent).status_code == 403
    bad = ccc.client.get("/api/reports/summary", params={"from": "yesterday"}, headers=supervisor)
    assert bad.status_code == 422
    backwards = ccc.client.get(
        "/api/reports/summary",
        params={"from": "2025-02-01", "to": "2025-01-01"},
        headers=supervisor,
    )
    assert backwards.status_code == 422
