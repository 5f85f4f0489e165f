"""The audit log: who read sensitive detail, changed sensitivity or overrode consent, when and
from where; for supervisors and admins, restricted cases only for the focal team."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.ccc.access.helpers import NO_CONSENT, intake, patch, ticket
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"


def audit(ccc: Harness, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = ccc.client.get("/api/audit", params=params, headers=headers)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def test_reads_sensitivity_changes_and_overrides_are_recorded_with_who_and_where(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    reference = intake(ccc, PHONE, NO_CONSENT)
    assert patch(ccc, reference, agent, sensitivity="sensitive")[0] == 200
    ticket(ccc, reference, supervisor)
    status, _ = patch(ccc, reference, supervisor, team="tracing", override_reason="life at risk")
    assert status == 200

    entries = audit(ccc, supervisor, ticket=reference)["items"]
    assert [(e["action"], e["user"]) for e in reversed(entries)] == [
        ("sensitivity_changed", "alice"),
        ("viewed", "alice"),  # her PATCH's answer carried the answers: the ticket is with ccc
        ("viewed", "sam"),
        ("consent_override", "sam"),
        # The PATCH's answer carried the answers again: the same read within 5 minutes.
    ]
    changed, override = entries[3], entries[0]
    assert changed["data"] == {"from": "normal", "to": "sensitive"}
    assert override["data"] == {"team": "tracing", "reason": "life at risk"}
    assert all(e["ticket"] == reference and e["address"] == "testclient" for e in entries)
    assert datetime.fromisoformat(entries[0]["at"]) > datetime.now(UTC) - timedelta(minutes=5)


def test_the_audit_log_is_for_supervisors_and_admins_and_cannot_be_changed(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    assert ccc.client.get("/api/audit", headers=agent).status_code == 403
    tracer = ccc.user("tina", "team_member", ["tracing"])
    assert ccc.client.get("/api/audit", headers=tracer).status_code == 403
    for method in ("DELETE", "PATCH", "PUT", "POST"):
        response = ccc.client.request(method, "/api/audit", headers=supervisor)
        assert response.status_code == 405, method
    assert (
        ccc.client.get("/api/audit", params={"action": "nope"}, headers=supervisor).status_code
        == 422
    )
    bad_date = ccc.client.get("/api/audit", params={"from": "yesterday"}, headers=supervisor)
    assert bad_date.status_code == 422


def test_restricted_tickets_entries_are_only_for_the_focal_team(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    focal = ccc.user("farah", "supervisor", ["accountability"])
    reference = open_ticket(ccc, PHONE, "staff_conduct")
    ticket(ccc, reference, focal)
    ccc.client.get(f"/api/tickets/{reference}/timeline", headers=focal)

    assert audit(ccc, supervisor)["items"] == []
    assert audit(ccc, supervisor, ticket=reference)["items"] == []
    seen = audit(ccc, focal, ticket=reference)["items"]
    assert [(e["action"], e["data"]["what"]) for e in seen] == [
        ("viewed", "timeline"),
        ("viewed", "ticket"),
    ]
    # Lowering the sensitivity later does not show outsiders who read it while restricted.
    assert patch(ccc, reference, focal, sensitivity="sensitive")[0] == 200
    after = audit(ccc, supervisor, ticket=reference)["items"]
    assert [e["action"] for e in after] == ["viewed", "sensitivity_changed"]  # both after it


def test_the_audit_log_pages_and_filters(ccc: Harness, supervisor: dict[str, str]) -> None:
    ccc.runtime.settings.audit_view_window_minutes = 0  # every read recorded
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200
    for _ in range(3):
        ticket(ccc, reference, supervisor)

    views = audit(ccc, supervisor, action="viewed", user="sam")
    assert len(views["items"]) == 4  # three reads and the PATCH's answer
    first = audit(ccc, supervisor, limit=2)
    second = audit(ccc, supervisor, limit=2, cursor=first["next"])
    third = audit(ccc, supervisor, limit=2, cursor=second["next"])
    ids = [e["id"] for page in (first, second, third) for e in page["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 5 and third["next"] is None
    today = datetime.now(UTC).date().isoformat()
    assert len(audit(ccc, supervisor, **{"from": today, "to": today})["items"]) == 5
    assert audit(ccc, supervisor, **{"from": "2020-01-01", "to": "2020-12-31"})["items"] == []
    assert audit(ccc, supervisor, user="nobody")["items"] == []
