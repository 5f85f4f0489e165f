"""Helpers of the access tests: tickets in the states the probes start from."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness
from tests.flows import ENGLISH, TRACING, reference_in

NO_CONSENT = [*TRACING[:-1], "2"]  # the last answer of the tracing intake: 2 = do not share


def intake(ccc: Harness, sender: str, answers: list[str]) -> str:
    """A whole intake from a new sender; the new ticket's reference."""
    ccc.say(sender, "hello")
    ccc.say(sender, ENGLISH)
    for answer in answers:
        ccc.say(sender, answer)
    return reference_in(ccc.last_reply(sender))


def ticket(ccc: Harness, reference: str, headers: dict[str, str]) -> dict[str, Any]:
    response = ccc.client.get(f"/api/tickets/{reference}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def patch(
    ccc: Harness, reference: str, headers: dict[str, str], **body: Any
) -> tuple[int, dict[str, Any]]:
    response = ccc.client.patch(f"/api/tickets/{reference}", json=body, headers=headers)
    return response.status_code, response.json()


def refer(
    ccc: Harness, reference: str, headers: dict[str, str], team: str, **body: Any
) -> tuple[int, dict[str, Any]]:
    response = ccc.client.post(
        f"/api/tickets/{reference}/referrals", json={"team": team, **body}, headers=headers
    )
    return response.status_code, response.json()
