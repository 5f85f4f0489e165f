"""Bulk actions on the queue: the selected tickets changed one by one, CSRF-protected."""

from __future__ import annotations

import pytest

from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PHONES = ["+9647701111111", "+9647702222222"]


@pytest.fixture
def alice(ccc: Harness) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    return browser


def _ticket(ccc: Harness, reference: str, headers: dict[str, str]) -> dict[str, str]:
    body: dict[str, str] = ccc.client.get(f"/api/tickets/{reference}", headers=headers).json()
    return body


def test_assign_the_selection_to_me_and_raise_its_priority(
    ccc: Harness, alice: Browser, supervisor: dict[str, str]
) -> None:
    first, second = (open_ticket(ccc, phone) for phone in PHONES)
    queue = alice.get("/console").text
    assert f'name="references" value="{first}" form="bulk"' in queue
    assert 'action="/console/queue/bulk"' in queue
    # httpx sends a list as repeated fields, as a browser sends several checked boxes.
    form = {"references": [first, second], "assign": "me", "priority": "high"}
    response = alice.client.post(
        "/console/queue/bulk", data={**form, "csrf": alice.csrf()}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "Changes saved" in response.text
    for reference in (first, second):
        ticket = _ticket(ccc, reference, supervisor)
        assert (ticket["assignee"], ticket["priority"]) == ("alice", "high")


def test_without_csrf_nothing_changes(
    ccc: Harness, alice: Browser, supervisor: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONES[0])
    response = alice.client.post(
        "/console/queue/bulk", data={"references": [reference], "assign": "me"}
    )
    assert response.status_code == 403
    assert _ticket(ccc, reference, supervisor)["assignee"] is None


def test_refused_tickets_are_listed_with_their_reason(
    ccc: Harness, alice: Browser, supervisor: dict[str, str]
) -> None:
    first, second = (open_ticket(ccc, phone) for phone in PHONES)
    ccc.client.patch(f"/api/tickets/{second}", json={"status": "resolved"}, headers=supervisor)
    form = {"references": [first, second], "status": "pending", "csrf": alice.csrf()}
    page = alice.client.post("/console/queue/bulk", data=form).text
    assert "Some tickets were not changed:" in page
    assert f'<bdi dir="ltr" class="ref">{second}</bdi>: ' in page
    assert _ticket(ccc, first, supervisor)["status"] == "pending"
    assert _ticket(ccc, second, supervisor)["status"] == "resolved"
    empty = alice.client.post("/console/queue/bulk", data={"csrf": alice.csrf()}).text
    assert "select at least one ticket" in empty
