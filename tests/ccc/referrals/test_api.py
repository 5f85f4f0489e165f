"""Referrals: consent first, the receiving team answers, the loop closes by itself."""

from __future__ import annotations

from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"


def refer(ccc: Harness, reference: str, headers: dict[str, str], **body: str) -> dict[str, object]:
    response = ccc.client.post(
        f"/api/tickets/{reference}/referrals", json={"team": "assistance"} | body, headers=headers
    )
    assert response.status_code == 201, response.text
    referral: dict[str, object] = response.json()
    return referral


def test_a_referral_is_accepted_then_completed_and_the_person_is_told(
    ccc: Harness, agent: dict[str, str]
) -> None:
    helper = ccc.user("hana", "team_member", ["assistance"])
    reference = open_ticket(ccc, PHONE, "tracing")
    assert ccc.client.get(f"/api/tickets/{reference}", headers=helper).status_code == 404

    referral = refer(ccc, reference, agent, note="Family needs cash assistance")
    assert (referral["status"], referral["team"], referral["created_by"]) == (
        "pending",
        "assistance",
        "alice",
    )
    assert referral["due_at"] is not None
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=helper).json()
    assert ticket["status"] == "referred"

    queue = ccc.client.get("/api/referrals", params={"status": "pending"}, headers=helper).json()
    assert [r["ticket"] for r in queue["items"]] == [reference]

    rid = referral["id"]
    accepted = ccc.client.post(f"/api/referrals/{rid}/accept", headers=helper)
    assert accepted.json()["status"] == "accepted"
    done = ccc.client.post(
        f"/api/referrals/{rid}/complete",
        json={"outcome": "Enrolled in the cash programme"},
        headers=helper,
    )
    assert done.status_code == 200
    assert done.json()["outcome"] == "Enrolled in the cash programme"
    ccc.drain()
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["status"] == "resolved"
    assert "has been answered" in ccc.last_reply(PHONE)
    kinds = [
        e["kind"]
        for e in ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
        if e["type"] == "event"
    ]
    assert ["referred", "referral_accepted", "referral_completed"] == [
        k for k in kinds if k.startswith("referr")
    ]


def test_a_rejected_referral_needs_a_reason_and_returns_the_ticket(
    ccc: Harness, agent: dict[str, str]
) -> None:
    helper = ccc.user("hana", "team_member", ["assistance"])
    reference = open_ticket(ccc, PHONE, "tracing")
    rid = refer(ccc, reference, agent)["id"]
    no_reason = ccc.client.post(f"/api/referrals/{rid}/reject", json={}, headers=helper)
    assert no_reason.status_code == 422
    rejected = ccc.client.post(
        f"/api/referrals/{rid}/reject", json={"reason": "Not in our area"}, headers=helper
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reason"] == "Not in our area"
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert ticket["status"] == "open"
    # Having turned it down, the team no longer sees the ticket at all.
    assert ccc.client.get(f"/api/tickets/{reference}", headers=helper).status_code == 404
    assert ccc.client.post(f"/api/referrals/{rid}/accept", headers=helper).status_code == 404
    supervisor = ccc.user("sam", "supervisor")
    again = ccc.client.post(f"/api/referrals/{rid}/accept", headers=supervisor)
    assert again.status_code == 409


def test_without_consent_only_a_supervisor_may_refer_with_a_reason(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    ccc.say(PHONE, "hi")
    ccc.say(PHONE, "4")
    for answer in ("1", "1", "Layla", "Omar", "4", "Mosul", "Unknown", "2"):
        ccc.say(PHONE, answer)
    reference = ccc.last_reply(PHONE).split("is ")[1][:9].replace(" ", "")
    refused = ccc.client.post(
        f"/api/tickets/{reference}/referrals", json={"team": "assistance"}, headers=agent
    )
    assert refused.status_code == 409
    assert "not agreed to share" in refused.json()["detail"]
    not_allowed = ccc.client.post(
        f"/api/tickets/{reference}/referrals",
        json={"team": "assistance", "override_reason": "urgent"},
        headers=agent,
    )
    assert not_allowed.status_code == 403
    referral = refer(
        ccc, reference, supervisor, override_reason="Imminent risk; consent given by phone"
    )
    assert referral["consent_override_reason"] == "Imminent risk; consent given by phone"


def test_only_the_receiving_team_answers(ccc: Harness, agent: dict[str, str]) -> None:
    tracer = ccc.user("tina", "team_member", ["tracing"])
    reference = open_ticket(ccc, PHONE, "tracing")
    rid = refer(ccc, reference, agent)["id"]
    # The tracing team sees its own ticket, but the referral is the assistance team's to answer.
    assert ccc.client.post(f"/api/referrals/{rid}/accept", headers=tracer).status_code == 403
    assert ccc.client.post("/api/referrals/999/accept", headers=agent).status_code == 404
    twice = ccc.client.post(
        f"/api/tickets/{reference}/referrals", json={"team": "assistance"}, headers=agent
    )
    assert twice.status_code == 409
    unknown = ccc.client.post(
        f"/api/tickets/{reference}/referrals", json={"team": "nope"}, headers=agent
    )
    assert unknown.status_code == 422
    listed = ccc.client.get(f"/api/tickets/{reference}/referrals", headers=tracer).json()
    assert [r["status"] for r in listed] == ["pending"]
    assert (
        ccc.client.post(
            f"/api/referrals/{rid}/complete", json={"outcome": "done"}, headers=agent
        ).status_code
        == 403
    )
    helper = ccc.user("hana", "team_member", ["assistance"])
    early = ccc.client.post(
        f"/api/referrals/{rid}/complete", json={"outcome": "done"}, headers=helper
    )
    assert early.status_code == 409
