"""Findings of the first review: each was a 500, a leak or a missing permission check."""

from __future__ import annotations

import io
import logging

import pytest

from ccc.kernel.logging import RedactingFilter
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/reports/summary", {"to": "9999-12-31"}),
        ("/api/tickets", {"cursor": "dDk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}),
        ("/api/referrals", {"cursor": "99999999999999999999"}),
        ("/api/tickets", {"q": "a\x00b"}),
        ("/api/tickets/a%00b", {}),
    ],
)
def test_odd_inputs_are_4xx_never_500(
    ccc: Harness, supervisor: dict[str, str], path: str, params: dict[str, str]
) -> None:
    response = ccc.client.get(path, params=params, headers=supervisor)
    assert 400 <= response.status_code < 500, response.text
    assert "detail" in response.json()


def test_nul_in_bodies_and_huge_ids_are_refused(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    nul = ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": "a\u0000b"}, headers=agent
    )
    assert nul.status_code == 400
    huge = ccc.client.post("/api/referrals/99999999999999999999/accept", headers=agent)
    assert huge.status_code == 422


def test_a_percent_sign_in_a_search_is_a_character_not_a_wildcard(
    ccc: Harness, agent: dict[str, str]
) -> None:
    open_ticket(ccc, PHONE)
    assert ccc.client.get("/api/tickets", params={"q": "Omar"}, headers=agent).json()["items"]
    assert ccc.client.get("/api/tickets", params={"q": "O%ar"}, headers=agent).json()["items"] == []
    # Punctuation alone leaves no letters to search (issue 20): a 422, never every ticket.
    assert ccc.client.get("/api/tickets", params={"q": "%"}, headers=agent).status_code == 422


def test_search_terms_do_not_reach_the_access_log() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.search.log")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False
    logger.info('"GET /api/tickets?q=Karim&team=tracing HTTP/1.1" 200')
    assert "Karim" not in out.getvalue()
    assert "team=tracing" in out.getvalue()


def test_team_members_cannot_move_hide_or_hand_out_tickets(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    tracer = ccc.user("tina", "team_member", ["tracing"])
    ccc.user("omar", "agent", ["ccc"])
    reference = open_ticket(ccc, PHONE)
    path = f"/api/tickets/{reference}"
    assert ccc.client.patch(path, json={"team": "detention"}, headers=tracer).status_code == 403
    assert ccc.client.patch(path, json={"assignee": "omar"}, headers=tracer).status_code == 403
    assert ccc.client.patch(path, json={"assignee": None}, headers=tracer).status_code == 200
    assert ccc.client.patch(path, json={"status": "open"}, headers=tracer).status_code == 200
    # Raising sensitivity is open to anyone who sees the ticket; lowering it is not.
    assert (
        ccc.client.patch(path, json={"sensitivity": "sensitive"}, headers=agent).status_code == 200
    )
    assert ccc.client.patch(path, json={"sensitivity": "normal"}, headers=agent).status_code == 403
    assert (
        ccc.client.patch(path, json={"sensitivity": "normal"}, headers=supervisor).status_code
        == 200
    )
    # Handing the ticket back to the centre is how a team member returns a misrouted case.
    back = ccc.client.patch(path, json={"team": "ccc"}, headers=tracer)
    assert back.status_code == 200 and back.json()["team"] == "ccc"


def test_sensitive_details_are_for_the_owning_team_and_supervisors(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    tracer = ccc.user("tina", "team_member", ["tracing"])
    reference = open_ticket(ccc, PHONE)
    ccc.client.patch(
        f"/api/tickets/{reference}", json={"sensitivity": "sensitive"}, headers=supervisor
    )
    as_agent = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    assert as_agent["answers"] == {} and as_agent["details_hidden"] is True
    assert ccc.client.get(f"/api/tickets/{reference}/timeline", headers=agent).status_code == 403
    assert ccc.client.get("/api/tickets", params={"q": "Omar"}, headers=agent).json()["items"] == []
    as_team = ccc.client.get(f"/api/tickets/{reference}", headers=tracer).json()
    assert as_team["answers"]["missing_person_name"] == "Omar Hassan"
    assert (
        ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor).status_code == 200
    )
