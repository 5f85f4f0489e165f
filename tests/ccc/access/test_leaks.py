"""The leaks of issue 7, each as the probe that found it (docs/access.md has the model)."""

from __future__ import annotations

from tests.ccc.access.helpers import NO_CONSENT, intake, patch, refer, ticket
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"
OTHER = "+9647809876543"


def test_a_ticket_made_restricted_moves_to_the_focal_team_whose_every_member_sees_it(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    focal = ccc.user("fatima", "team_member", ["accountability"])
    helper = ccc.user("hana", "team_member", ["assistance"])
    reference = open_ticket(ccc, PHONE, "tracing")
    status, referral = refer(ccc, reference, agent, "assistance", note="cash for the family")
    assert status == 201
    assert ticket(ccc, reference, helper)["status"] == "referred"

    status, _ = patch(ccc, reference, agent, sensitivity="restricted")
    assert status == 200

    seen = ticket(ccc, reference, focal)
    assert (seen["team"], seen["sensitivity"]) == ("accountability", "restricted")
    assert seen["answers"]["missing_person_name"] == "Omar Hassan"
    queue = ccc.client.get("/api/tickets", headers=focal).json()["items"]
    assert [t["reference"] for t in queue] == [reference]
    # The referral to a team that can no longer see the ticket is settled, not left pending.
    for outsider in (helper, agent, supervisor):
        response = ccc.client.get(f"/api/tickets/{reference}", headers=outsider)
        assert response.status_code == 404
    settled = ccc.client.get(f"/api/tickets/{reference}/referrals", headers=focal).json()
    assert [(r["id"], r["status"]) for r in settled] == [(referral["id"], "cancelled")]
    assert seen["status"] == "open"
    accept = ccc.client.post(f"/api/referrals/{referral['id']}/accept", headers=helper)
    assert accept.status_code == 404


def test_a_restricted_ticket_is_not_referred_nor_moved_out_of_the_focal_team(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    focal_supervisor = ccc.user("farah", "supervisor", ["accountability"])
    reference = open_ticket(ccc, PHONE, "staff_conduct")
    status, body = refer(ccc, reference, focal_supervisor, "tracing", override_reason="x")
    assert (status, "not referred" in body["detail"]) == (409, True)
    status, body = patch(ccc, reference, focal_supervisor, team="tracing")
    assert status == 409
    assert ticket(ccc, reference, focal_supervisor)["team"] == "accountability"
    # Lowering the sensitivity first is the way out, and it is the focal team's decision.
    status, body = patch(
        ccc, reference, focal_supervisor, sensitivity="sensitive", team="ccc", reason="wrong"
    )
    assert status == 200, body
    assert ticket(ccc, reference, supervisor)["team"] == "ccc"


def test_moving_a_sensitive_ticket_does_not_hand_its_details_to_the_mover(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200
    before = ticket(ccc, reference, agent)
    assert (before["answers"], before["details_hidden"]) == ({}, True)

    status, body = patch(ccc, reference, agent, team="ccc")
    assert status == 403 and "answers" not in body
    status, body = refer(ccc, reference, agent, "ccc")
    assert status == 403 and "Ali Hassan" not in str(body)
    assert ticket(ccc, reference, supervisor)["team"] == "detention"
    # Every write needs the right to read the details, even one that reveals nothing.
    status, body = patch(ccc, reference, agent, priority="high")
    assert status == 403 and "answers" not in body


def test_moving_a_ticket_to_a_programme_team_needs_consent_like_a_referral(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    tracer = ccc.user("tina", "team_member", ["tracing"])
    reference = intake(ccc, PHONE, NO_CONSENT)
    assert ticket(ccc, reference, agent)["team"] == "ccc"

    assert patch(ccc, reference, agent, team="tracing")[0] == 409
    assert patch(ccc, reference, agent, team="tracing", override_reason="urgent")[0] == 403
    assert ccc.client.get(f"/api/tickets/{reference}", headers=tracer).status_code == 404

    status, body = patch(ccc, reference, supervisor, team="tracing", override_reason="life at risk")
    assert (status, body["team"]) == (200, "tracing")
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor).json()
    # The routing rule's own move to `ccc` is recorded as an agent's move is, without a reason.
    routed, moved = [e for e in timeline if e.get("kind") == "team_changed"]
    assert (routed["actor"], routed["data"]) == ("routing", {"from": None, "to": "ccc"})
    assert moved["data"]["consent_override_reason"] == "life at risk"
    assert moved["actor"] == "sam"


def test_referred_is_entered_only_by_a_referral(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    status, body = patch(ccc, reference, agent, status="referred")
    assert status == 409 and "only by a referral" in body["detail"]
    assert ticket(ccc, reference, agent)["status"] == "new"


def test_referral_notes_follow_the_answers_and_stay_with_their_team(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    helper = ccc.user("hana", "team_member", ["assistance"])
    tracer = ccc.user("tina", "team_member", ["tracing"])
    reference = open_ticket(ccc, PHONE, "detention")
    assert refer(ccc, reference, supervisor, "assistance", note="NOTE-FOR-ASSISTANCE")[0] == 201
    assert refer(ccc, reference, supervisor, "tracing", note="NOTE-FOR-TRACING")[0] == 201
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200

    for path in (f"/api/tickets/{reference}/referrals", "/api/referrals"):
        shown = ccc.client.get(path, headers=agent).text
        assert "NOTE-FOR" not in shown, path
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=helper).text
    assert "NOTE-FOR-ASSISTANCE" in timeline and "NOTE-FOR-TRACING" not in timeline
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=tracer).text
    assert "NOTE-FOR-TRACING" in timeline and "NOTE-FOR-ASSISTANCE" not in timeline
    everything = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor).text
    assert "NOTE-FOR-TRACING" in everything and "NOTE-FOR-ASSISTANCE" in everything


def test_search_hits_and_empty_changes_record_the_read(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    ccc.runtime.settings.audit_view_window_minutes = 0  # every read recorded, not one in 5 min
    reference = open_ticket(ccc, PHONE, "detention")
    assert patch(ccc, reference, supervisor, sensitivity="sensitive")[0] == 200

    def views() -> int:
        timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor)
        return sum(1 for e in timeline.json() if e.get("kind") == "viewed")

    counted = views()
    hits = ccc.client.get("/api/tickets", params={"q": "Ali"}, headers=supervisor).json()
    assert hits["items"][0]["answers"]["detained_person_name"] == "Ali Hassan"
    assert views() == counted + 2  # the search, and the timeline read that counts it
    status, body = patch(ccc, reference, supervisor)
    assert status == 200 and body["answers"]
    assert views() == counted + 4


def test_closing_or_resolving_a_ticket_settles_its_open_referrals(
    ccc: Harness, agent: dict[str, str]
) -> None:
    helper = ccc.user("hana", "team_member", ["assistance"])
    reference = open_ticket(ccc, PHONE, "tracing")
    _, referral = refer(ccc, reference, agent, "assistance")
    ccc.client.post(f"/api/tickets/{reference}/replies", json={"text": "Noted."}, headers=agent)
    status, body = patch(ccc, reference, agent, status="resolved")
    assert status == 200, body

    [settled] = ccc.client.get(f"/api/tickets/{reference}/referrals", headers=agent).json()
    assert (settled["status"], settled["reason"]) == ("cancelled", "the ticket was resolved")
    accept = ccc.client.post(f"/api/referrals/{referral['id']}/accept", headers=helper)
    assert accept.status_code in (404, 409)
    complete = ccc.client.post(
        f"/api/referrals/{referral['id']}/complete", json={"outcome": "x"}, headers=helper
    )
    assert complete.status_code in (404, 409)
