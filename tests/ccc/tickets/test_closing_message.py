"""The closing message can carry what the team found; the standard notice stays the default."""

from __future__ import annotations

from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"
FOUND = "Your son is registered at the Nasiriyah facility; a visit can be arranged."


def _sent(ccc: Harness) -> list[str]:
    return [m["text"] for m in ccc.transcript(PHONE) if m["direction"] == "out"]


def test_resolving_with_a_message_sends_it_in_place_of_the_notice(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    response = ccc.client.patch(
        f"/api/tickets/{reference}",
        json={"status": "resolved", "message": FOUND},
        headers=agent,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "resolved"
    ccc.drain()
    sent = _sent(ccc)
    assert FOUND in sent
    assert not any("has been answered" in text for text in sent)
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).json()
    assert any(item.get("text") == FOUND for item in timeline)


def test_without_a_message_the_standard_notice_goes(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.client.patch(f"/api/tickets/{reference}", json={"status": "resolved"}, headers=agent)
    ccc.drain()
    assert any("has been answered" in text for text in _sent(ccc))


def test_a_message_without_resolving_is_refused_and_changes_nothing(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    before = len(_sent(ccc))
    for body in (
        {"status": "pending", "message": FOUND},
        {"priority": "high", "message": FOUND},
        {"status": "resolved", "message": FOUND, "notify": False, "reason": "duplicate"},
        {"status": "resolved", "message": "   "},
    ):
        response = ccc.client.patch(f"/api/tickets/{reference}", json=body, headers=agent)
        assert response.status_code == 422, body
    ticket = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert (ticket["status"], ticket["priority"]) == ("new", "normal")
    ccc.drain()
    assert len(_sent(ccc)) == before


def test_a_referral_completed_with_a_message_tells_the_person(
    ccc: Harness, agent: dict[str, str]
) -> None:
    helper = ccc.user("hana", "team_member", ["assistance"])
    reference = open_ticket(ccc, PHONE)
    referral = ccc.client.post(
        f"/api/tickets/{reference}/referrals",
        json={"team": "assistance", "note": "cash"},
        headers=agent,
    ).json()
    ccc.client.post(f"/api/referrals/{referral['id']}/accept", headers=helper)
    done = ccc.client.post(
        f"/api/referrals/{referral['id']}/complete",
        json={"outcome": "Enrolled, batch 7", "message": "You are enrolled: payment in March."},
        headers=helper,
    )
    assert done.status_code == 200, done.text
    ccc.drain()
    sent = _sent(ccc)
    assert "You are enrolled: payment in March." in sent
    assert not any("Enrolled, batch 7" in text for text in sent)  # the outcome stays inside
    assert not any("has been answered" in text for text in sent)
