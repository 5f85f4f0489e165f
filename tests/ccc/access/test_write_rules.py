"""Who may write to a ticket, beyond seeing it (issue 16, findings 3 and 4).

A team that only received a referral answers it and adds notes; it does not move, resolve,
re-refer, re-assign, reply to the person or change the sensitivity of the owning team's ticket.
Every write needs the right to read the ticket's details. Moving a sensitive ticket is for its
own team and supervisors, even when it goes to the centre.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.ccc.access.helpers import patch, refer, ticket
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701116001"


def sensitive_detention_referred_to_assistance(
    ccc: Harness, supervisor: dict[str, str]
) -> tuple[str, int]:
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200
    status, referral = refer(ccc, reference, supervisor, "assistance", note="food parcel")
    assert status == 201, referral
    return reference, int(referral["id"])


@pytest.mark.parametrize(
    "change",
    [
        {"team": "ccc"},  # the move that exposed a detention case to every agent
        {"team": "assistance"},
        {"status": "resolved", "notify": False, "reason": "done"},
        {"status": "pending"},
        {"assignee": "rana"},
        {"sensitivity": "restricted"},
        {"sensitivity": "normal"},
        {"priority": "urgent"},
        {"category": "assistance"},
    ],
)
def test_a_team_holding_a_referral_does_not_change_the_owning_teams_ticket(
    ccc: Harness, supervisor: dict[str, str], change: dict[str, Any]
) -> None:
    detention = ccc.user("dana", "team_member", ["detention"])
    receiver = ccc.user("rana", "team_member", ["assistance"])
    reference, _ = sensitive_detention_referred_to_assistance(ccc, supervisor)
    before = ticket(ccc, reference, supervisor)

    status, body = patch(ccc, reference, receiver, **change)
    assert status == 403, body
    after = ticket(ccc, reference, supervisor)
    assert {k: after[k] for k in ("team", "status", "assignee", "sensitivity", "priority")} == {
        k: before[k] for k in ("team", "status", "assignee", "sensitivity", "priority")
    }
    assert ticket(ccc, reference, detention)["team"] == "detention"


def test_a_team_holding_a_referral_answers_it_and_adds_notes_only(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    receiver = ccc.user("rana", "team_member", ["assistance"])
    reference, referral = sensitive_detention_referred_to_assistance(ccc, supervisor)
    base = f"/api/tickets/{reference}"

    assert refer(ccc, reference, receiver, "tracing")[0] == 403  # no re-referral
    reply = ccc.client.post(f"{base}/replies", json={"text": "hello"}, headers=receiver)
    assert reply.status_code == 403
    note = ccc.client.post(f"{base}/notes", json={"text": "parcel planned"}, headers=receiver)
    assert note.status_code == 201
    accept = ccc.client.post(f"/api/referrals/{referral}/accept", headers=receiver)
    assert accept.status_code == 200, accept.text
    complete = ccc.client.post(
        f"/api/referrals/{referral}/complete", json={"outcome": "parcel given"}, headers=receiver
    )
    assert complete.status_code == 200, complete.text
    # Answering the last referral closes the loop: the one status change the receiver causes.
    assert ticket(ccc, reference, supervisor)["status"] == "resolved"


def test_a_sensitive_ticket_is_moved_only_by_its_team_or_a_supervisor(
    ccc: Harness, supervisor: dict[str, str], agent: dict[str, str]
) -> None:
    detention = ccc.user("dana", "team_member", ["detention"])
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200
    # Referred to the centre, the agents may read it; that does not make it theirs to move.
    assert refer(ccc, reference, supervisor, "ccc")[0] == 201
    assert ticket(ccc, reference, agent)["details_hidden"] is False
    status, body = patch(ccc, reference, agent, team="ccc")
    assert status == 403, body
    assert ticket(ccc, reference, supervisor)["team"] == "detention"
    # Its own team hands it back to the centre; a supervisor moves it anywhere.
    assert patch(ccc, reference, detention, team="ccc")[0] == 200
    assert patch(ccc, reference, supervisor, team="detention")[0] == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/replies", {"text": "we are looking into it"}),
        ("POST", "/notes", {"text": "called the family"}),
        ("PATCH", "", {"category": "tracing"}),
        ("PATCH", "", {"assignee": "alice"}),
        ("PATCH", "", {"priority": "high"}),
        ("PATCH", "", {"status": "pending"}),
        ("POST", "/referrals", {"team": "assistance"}),
    ],
)
def test_every_write_needs_the_right_to_read_the_details(
    ccc: Harness,
    supervisor: dict[str, str],
    agent: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200
    assert ticket(ccc, reference, agent)["details_hidden"] is True
    before = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor).json()

    response = ccc.client.request(
        method, f"/api/tickets/{reference}{path}", json=body, headers=agent
    )
    assert response.status_code == 403, response.text
    after = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor).json()
    assert len(after) == len(before)
    assert ticket(ccc, reference, supervisor)["assignee"] is None


def test_a_team_holding_a_referral_of_a_sensitive_ticket_may_reject_it(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    """Rejecting ends the team's right to read the ticket, within the same change: the
    ticket's return to `open` is the referral's consequence, not a write of the team's."""
    receiver = ccc.user("rana", "team_member", ["assistance"])
    reference, referral = sensitive_detention_referred_to_assistance(ccc, supervisor)
    reject = ccc.client.post(
        f"/api/referrals/{referral}/reject", json={"reason": "not ours"}, headers=receiver
    )
    assert reject.status_code == 200, reject.text
    assert ticket(ccc, reference, supervisor)["status"] == "open"
    assert ccc.client.get(f"/api/tickets/{reference}", headers=receiver).status_code == 404


def test_a_team_completing_its_referral_may_leave_a_message_for_the_person(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    """CONTRACT: `/complete` takes an optional `message` for the person beside `outcome`.
    While another referral stays open the ticket is not resolved, so the message goes out as
    a reply: the referral's own consequence, answered by its team, not a reply of theirs."""
    receiver = ccc.user("rana", "team_member", ["assistance"])
    reference, referral = sensitive_detention_referred_to_assistance(ccc, supervisor)
    assert refer(ccc, reference, supervisor, "tracing")[0] == 201  # stays open
    assert ccc.client.post(f"/api/referrals/{referral}/accept", headers=receiver).status_code == 200
    body = {"outcome": "parcel given", "message": "Your parcel is ready at the office."}
    complete = ccc.client.post(f"/api/referrals/{referral}/complete", json=body, headers=receiver)
    assert complete.status_code == 200, complete.text
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor).json()
    sent = [m["text"] for m in timeline if m["type"] == "message" and m["direction"] == "out"]
    assert "Your parcel is ready at the office." in sent
    assert ticket(ccc, reference, supervisor)["status"] == "referred"
    # Its own reply, outside the referral's answer, stays the owning team's.
    reply = ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": "hello"}, headers=receiver
    )
    assert reply.status_code == 403
