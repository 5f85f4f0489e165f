"""The resolve form and the referral's complete form carry words for the person."""

from __future__ import annotations

from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"


def _sent(ccc: Harness) -> list[str]:
    ccc.drain()
    return [m["text"] for m in ccc.transcript(PHONE) if m["direction"] == "out"]


def test_the_resolve_form_sends_the_closing_message(ccc: Harness) -> None:
    agent = Browser.open(ccc)
    agent.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    reference = open_ticket(ccc, PHONE)
    page = f"/console/tickets/{reference}"
    assert 'name="closing_message"' in agent.get(page).text
    agent.post(
        f"{page}/change",
        {"status": "resolved", "closing_message": "We found your brother's file."},
        csrf_from=page,
    )
    assert "We found your brother's file." in _sent(ccc)
    refused = agent.post(
        f"{page}/change", {"status": "open", "closing_message": "hello"}, csrf_from=page
    )
    assert refused.status_code == 422
    assert "hello" not in _sent(ccc)


def test_the_complete_form_takes_a_message_for_the_person(
    ccc: Harness, agent: dict[str, str]
) -> None:
    helper = Browser.open(ccc)
    helper.log_in("hana", console_user(ccc, "hana", "team_member", ["assistance"]))
    reference = open_ticket(ccc, PHONE)
    referral = ccc.client.post(
        f"/api/tickets/{reference}/referrals",
        json={"team": "assistance", "note": "cash"},
        headers=agent,
    ).json()
    rid = referral["id"]
    helper.post(f"/console/referrals/{rid}/accept", {}, csrf_from="/console/team")
    team_page = helper.get("/console/team").text
    assert 'name="message" maxlength="4000"' in team_page and f"message-{rid}" in team_page
    helper.post(
        f"/console/referrals/{rid}/complete",
        {"outcome": "batch 7", "message": "You are enrolled."},
        csrf_from="/console/team",
    )
    assert "You are enrolled." in _sent(ccc)
    assert ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()["status"] == (
        "resolved"
    )
