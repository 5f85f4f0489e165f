"""Searching cannot confirm a masked number, nor try guesses one after another (issue 16,
finding 8): a team member, who sees `+964 770 *** **01`, cannot search by number, and every
user's searches are limited per minute (429 with Retry-After)."""

from __future__ import annotations

from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701110001"


def test_a_team_member_cannot_search_by_number(ccc: Harness, agent: dict[str, str]) -> None:
    tracer = ccc.user("tina", "team_member", ["tracing"])
    reference = open_ticket(ccc, PHONE, "tracing")
    for guess in (PHONE, "07701110001", "+964 770 111 0001"):
        response = ccc.client.get("/api/tickets", params={"q": guess}, headers=tracer)
        assert response.status_code == 403, response.text
        assert reference not in response.text
    # Words and references still work for them; staff who see numbers search by number.
    by_words = ccc.client.get("/api/tickets", params={"q": "Omar"}, headers=tracer)
    assert by_words.status_code == 200
    by_reference = ccc.client.get("/api/tickets", params={"q": reference}, headers=tracer)
    assert [t["reference"] for t in by_reference.json()["items"]] == [reference]
    by_number = ccc.client.get("/api/tickets", params={"q": PHONE}, headers=agent)
    assert [t["reference"] for t in by_number.json()["items"]] == [reference]


def test_searches_are_limited_per_user(ccc: Harness, agent: dict[str, str]) -> None:
    other = ccc.user("omar", "agent", ["ccc"])
    limit = ccc.runtime.settings.search_limit_per_minute
    for n in range(limit):
        guess = f"+96477011100{n:02d}"
        response = ccc.client.get("/api/tickets", params={"q": guess}, headers=agent)
        assert response.status_code == 200, (n, response.text)
    refused = ccc.client.get("/api/tickets", params={"q": "+9647701119999"}, headers=agent)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "detail" in refused.json()
    # The queue without a search is not counted, and another user has their own allowance.
    assert ccc.client.get("/api/tickets", headers=agent).status_code == 200
    mine = ccc.client.get("/api/tickets", params={"q": "Omar"}, headers=other)
    assert mine.status_code == 200
