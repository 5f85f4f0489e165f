"""Reading a ticket's timeline through the API, as an agent's client would."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness


def rule_events(ccc: Harness, reference: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """The data of the timeline entries the rules wrote on the ticket, oldest first."""
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=headers).json()
    return [e["data"] for e in timeline if e.get("kind") == "rule"]
