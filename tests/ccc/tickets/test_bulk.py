"""`POST /api/tickets/bulk`: one change on many tickets, each checked and recorded alone."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness
from tests.flows import open_ticket

PHONES = ["+9647701111111", "+9647702222222", "+9647703333333"]


def _bulk(ccc: Harness, headers: dict[str, str], **body: Any) -> Any:
    return ccc.client.post("/api/tickets/bulk", json=body, headers=headers)


def test_each_ticket_is_changed_and_recorded_alone(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    first, second, third = (open_ticket(ccc, phone) for phone in PHONES)
    ccc.client.patch(f"/api/tickets/{third}", json={"status": "resolved"}, headers=agent)
    response = _bulk(
        ccc,
        supervisor,
        references=[first, "12345678", second, third, first],
        changes={"assignee": "alice", "status": "pending", "priority": "high"},
    )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["reference"], r["status"]) for r in results] == [
        (first, 200),
        ("12345678", 404),
        (second, 200),
        (third, 409),  # a resolved ticket cannot become pending
    ]
    assert results[0]["ticket"]["assignee"] == "alice"
    assert results[0]["ticket"]["status"] == "pending"
    assert results[1]["detail"] == "ticket not found" and results[1]["ticket"] is None
    assert "cannot become pending" in results[3]["detail"]
    untouched = ccc.client.get(f"/api/tickets/{third}", headers=agent).json()
    assert (untouched["status"], untouched["priority"], untouched["assignee"]) == (
        "resolved",
        "normal",
        None,
    )
    timeline = ccc.client.get(f"/api/tickets/{second}/timeline", headers=agent).json()
    kinds = [item["kind"] for item in timeline if item["type"] == "event"]
    assert {"assignee_changed", "status_changed", "priority_changed"} <= set(kinds)
    actors = {item["actor"] for item in timeline if item.get("kind") == "assignee_changed"}
    assert actors == {"sam"}


def test_a_ticket_the_caller_may_not_see_is_404_and_unchanged(
    ccc: Harness, agent: dict[str, str]
) -> None:
    helper = ccc.user("hana", "team_member", ["assistance"])
    reference = open_ticket(ccc, PHONES[0])
    response = _bulk(ccc, helper, references=[reference], changes={"priority": "urgent"})
    assert response.json()["results"] == [
        {"reference": reference, "status": 404, "detail": "ticket not found", "ticket": None}
    ]
    assert ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()["priority"] == (
        "normal"
    )


def test_bad_bodies_are_422(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONES[0])
    for body in (
        {"references": [], "changes": {"priority": "high"}},
        {"references": [reference], "changes": {"priority": "highest"}},
        {"references": [reference], "changes": {"colour": "red"}},
        {"references": [reference] * 101, "changes": {"priority": "high"}},
        {"references": [reference]},
    ):
        assert _bulk(ccc, agent, **body).status_code == 422, body
    assert ccc.client.post("/api/tickets/bulk", json={}).status_code == 401
