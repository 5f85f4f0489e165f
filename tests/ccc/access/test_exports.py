"""Every export is in the audit log: the dashboard's CSV and the report's figures, with who,
when, which figures over which window, and from which address."""

from __future__ import annotations

from typing import Any

from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket


def exports(ccc: Harness, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = ccc.client.get("/api/audit", params={"action": "export"}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_dashboard_csv_download_is_recorded_with_its_window_and_figures(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    open_ticket(ccc, "+9647701111111", "tracing")
    sara = Browser.open(ccc)
    sara.log_in("sara", console_user(ccc, "sara", "supervisor"))
    csv = sara.get("/console/dashboard.csv", params={"start": "2026-01-01", "end": "2026-01-31"})
    assert csv.status_code == 200

    [entry] = exports(ccc, supervisor)
    assert (entry["user"], entry["address"], entry["ticket"]) == ("sara", "testclient", None)
    data = entry["data"]
    assert data["what"] == "dashboard.csv"
    assert data["window"] == {
        "from": "2026-01-01T00:00:00+00:00",
        "to": "2026-02-01T00:00:00+00:00",
    }
    assert {"by_category", "backlog", "sla", "tickets_created"} <= set(data["figures"])
    assert data["rows"] == len(csv.text.splitlines()) - 1


def test_a_refused_or_invalid_export_exports_nothing_and_records_nothing(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    alice = Browser.open(ccc)
    alice.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    assert alice.get("/console/dashboard.csv").status_code == 403
    sara = Browser.open(ccc)
    sara.log_in("sara", console_user(ccc, "sara", "supervisor"))
    assert sara.get("/console/dashboard.csv", params={"start": "soon"}).status_code == 422
    assert exports(ccc, supervisor) == []


def test_the_report_api_is_an_export_too(ccc: Harness, supervisor: dict[str, str]) -> None:
    response = ccc.client.get(
        "/api/reports/summary",
        params={"from": "2026-03-01", "to": "2026-03-31"},
        headers=supervisor,
    )
    assert response.status_code == 200
    [entry] = exports(ccc, supervisor)
    assert (entry["user"], entry["address"]) == ("sam", "testclient")
    assert entry["data"]["what"] == "reports.summary"
    assert entry["data"]["window"] == {
        "from": "2026-03-01T00:00:00+00:00",
        "to": "2026-04-01T00:00:00+00:00",
    }
    assert set(entry["data"]["figures"]) == set(response.json())


def test_words_people_wrote_cannot_become_spreadsheet_formulas(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    from sqlmodel import select

    from ccc.tickets.models import Ticket

    reference = open_ticket(ccc, "+9647701111111", "tracing")
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        ticket.answers = {**ticket.answers, "governorate": '=HYPERLINK("http://x.test","Basra")'}
        session.add(ticket)
        session.commit()
    sara = Browser.open(ccc)
    sara.log_in("sara", console_user(ccc, "sara", "supervisor"))
    lines = sara.get("/console/dashboard.csv").text.splitlines()
    [governorate] = [line for line in lines if line.startswith("by_governorate,")]
    assert governorate.startswith("by_governorate,\"'=HYPERLINK(")
