"""A sensitive ticket left open is one read, not one every 10 seconds.

`disclose()` writes one `viewed` record for the same user reading the same detail of the same
ticket, from the same address and at the same sensitivity, within
`CCC_AUDIT_VIEW_WINDOW_MINUTES` (5): the console's timeline refresh and an API client's polling
go through the same door, and neither is a special case.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ccc.access import audit as audit_module
from ccc.kernel.timeutil import utcnow
from tests.ccc.access.helpers import patch
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"


def views(ccc: Harness, reference: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = ccc.client.get(
        "/api/audit",
        params={"ticket": reference, "action": "viewed", "limit": 200},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def timeline_views(ccc: Harness, reference: str, headers: dict[str, str]) -> int:
    events = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=headers).json()
    return sum(1 for event in events if event.get("kind") == "viewed")


@pytest.fixture
def sensitive(ccc: Harness, supervisor: dict[str, str]) -> str:
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200
    return reference


def test_reading_the_same_detail_again_within_the_window_is_one_record(
    ccc: Harness, supervisor: dict[str, str], sensitive: str
) -> None:
    for _ in range(6):
        assert ccc.client.get(f"/api/tickets/{sensitive}", headers=supervisor).status_code == 200
    assert [e["data"]["what"] for e in views(ccc, sensitive, supervisor)] == ["ticket"]
    # The timeline is another detail: its first read is recorded, and so are its events.
    assert timeline_views(ccc, sensitive, supervisor) == 2
    assert timeline_views(ccc, sensitive, supervisor) == 2
    assert [e["data"]["what"] for e in views(ccc, sensitive, supervisor)] == [
        "timeline",
        "ticket",
    ]


def test_another_reader_another_address_or_a_later_read_is_recorded(
    ccc: Harness,
    supervisor: dict[str, str],
    sensitive: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ccc.client.get(f"/api/tickets/{sensitive}", headers=supervisor)
    other = ccc.user("sara", "supervisor")
    ccc.client.get(f"/api/tickets/{sensitive}", headers=other)
    elsewhere = TestClient(ccc.client.app, client=("192.0.2.7", 40000))
    assert elsewhere.get(f"/api/tickets/{sensitive}", headers=supervisor).status_code == 200
    recorded = [(e["user"], e["address"]) for e in views(ccc, sensitive, supervisor)]
    assert recorded == [("sam", "192.0.2.7"), ("sara", "testclient"), ("sam", "testclient")]

    later = utcnow() + timedelta(minutes=5, seconds=5)
    monkeypatch.setattr(audit_module, "utcnow", lambda: later)
    ccc.client.get(f"/api/tickets/{sensitive}", headers=supervisor)
    assert len(views(ccc, sensitive, supervisor)) == 4


def test_a_read_after_the_ticket_was_restricted_is_recorded_again(
    ccc: Harness, supervisor: dict[str, str], sensitive: str
) -> None:
    focal = ccc.user("farah", "supervisor", ["accountability"])
    ccc.client.get(f"/api/tickets/{sensitive}", headers=focal)
    assert patch(ccc, sensitive, focal, sensitivity="restricted")[0] == 200
    ccc.client.get(f"/api/tickets/{sensitive}", headers=focal)
    farah = [e for e in views(ccc, sensitive, focal) if e["user"] == "farah"]
    assert len(farah) == 2  # once as sensitive, once as restricted (for the focal team only)
    assert views(ccc, sensitive, supervisor) == []  # restricted now: not for outsiders


def test_the_window_is_a_setting_and_zero_records_every_read(
    ccc: Harness, supervisor: dict[str, str], sensitive: str
) -> None:
    ccc.runtime.settings.audit_view_window_minutes = 0
    for _ in range(3):
        ccc.client.get(f"/api/tickets/{sensitive}", headers=supervisor)
    assert len(views(ccc, sensitive, supervisor)) == 4  # the PATCH's answer and three reads


def test_a_ticket_left_open_in_the_console_is_one_record_per_detail(
    ccc: Harness, supervisor: dict[str, str], sensitive: str
) -> None:
    password = console_user(ccc, "cora", "supervisor")
    browser = Browser.open(ccc)
    browser.log_in("cora", password)
    assert "Ali Hassan" in browser.get(f"/console/tickets/{sensitive}").text
    for _ in range(12):  # two minutes of the page's 10-second timeline refresh
        assert browser.get(f"/console/tickets/{sensitive}/timeline").status_code == 200
    cora = [e for e in views(ccc, sensitive, supervisor) if e["user"] == "cora"]
    assert sorted(e["data"]["what"] for e in cora) == ["ticket", "timeline"]
    assert {e["address"] for e in cora} == {"testclient"}
