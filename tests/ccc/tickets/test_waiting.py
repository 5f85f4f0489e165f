"""Who owes the next word: `waiting_on`, `last_inbound_at` and `?waiting=centre`."""

from __future__ import annotations

from typing import Any

from ccc.contacts.service import get_or_create_identity
from ccc.tickets.service import create_ticket
from tests.conftest import Harness
from tests.flows import open_ticket
from tests.support.statements import statements_sent

FIRST = "+9647701111111"
SECOND = "+9647702222222"
THIRD = "+9647703333333"


def _ticket(ccc: Harness, reference: str, headers: dict[str, str]) -> dict[str, Any]:
    response = ccc.client.get(f"/api/tickets/{reference}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _waiting(ccc: Harness, headers: dict[str, str], **params: str) -> list[str]:
    response = ccc.client.get(
        "/api/tickets", params={"waiting": "centre", **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return [item["reference"] for item in response.json()["items"]]


def test_a_new_ticket_waits_for_the_centre(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, FIRST)
    ticket = _ticket(ccc, reference, agent)
    assert ticket["waiting_on"] == "centre"
    assert ticket["last_inbound_at"] is not None


def test_a_reply_answers_and_a_question_waits_on_the_person(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, FIRST)
    reply = ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": "We are looking."}, headers=agent
    )
    assert reply.status_code == 202
    ticket = _ticket(ccc, reference, agent)
    assert ticket["waiting_on"] is None
    assert ticket["status"] == "open"  # an agent's reply takes a new ticket in hand
    ccc.client.post(
        f"/api/tickets/{reference}/replies",
        json={"text": "هل تعرف اسم السجن؟"},
        headers=agent,
    )
    assert _ticket(ccc, reference, agent)["waiting_on"] == "person"
    before = _ticket(ccc, reference, agent)["last_inbound_at"]
    ccc.say(FIRST, "Maybe in Nasiriyah, I am not sure")
    answered = _ticket(ccc, reference, agent)
    assert answered["waiting_on"] == "centre"
    assert answered["last_inbound_at"] > before


def test_pending_waits_on_the_person_and_resolved_on_nobody(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, FIRST)
    ccc.client.post(f"/api/tickets/{reference}/replies", json={"text": "Noted."}, headers=agent)
    patch = ccc.client.patch(f"/api/tickets/{reference}", json={"status": "pending"}, headers=agent)
    assert patch.json()["waiting_on"] == "person"
    patch = ccc.client.patch(
        f"/api/tickets/{reference}", json={"status": "resolved"}, headers=agent
    )
    assert patch.json()["waiting_on"] is None


def test_waiting_for_the_centre_lists_the_oldest_first(ccc: Harness, agent: dict[str, str]) -> None:
    first = open_ticket(ccc, FIRST)
    second = open_ticket(ccc, SECOND)
    third = open_ticket(ccc, THIRD)
    ccc.client.post(f"/api/tickets/{second}/replies", json={"text": "Done."}, headers=agent)
    assert _waiting(ccc, agent) == [first, third]
    ccc.say(SECOND, "Thank you, one more thing: my brother's name is Omar")
    assert _waiting(ccc, agent) == [first, third, second]
    pages = [_waiting(ccc, agent, limit="2")]
    response = ccc.client.get(
        "/api/tickets", params={"waiting": "centre", "limit": "2"}, headers=agent
    ).json()
    assert response["next"]
    rest = _waiting(ccc, agent, limit="2", cursor=response["next"])
    assert pages[0] + rest == [first, third, second]
    person = ccc.client.get("/api/tickets", params={"waiting": "person"}, headers=agent)
    assert person.json()["items"] == []


def test_an_empty_filter_means_any(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, FIRST)
    response = ccc.client.get(
        "/api/tickets", params={"status": "", "category": "", "priority": ""}, headers=agent
    )
    assert response.status_code == 200, response.text
    assert [item["reference"] for item in response.json()["items"]] == [reference]
    assert ccc.client.get("/api/tickets?waiting=nobody", headers=agent).status_code == 422
    assert ccc.client.get("/api/tickets?status=opened", headers=agent).status_code == 422


def test_the_fields_are_in_the_schema(ccc: Harness) -> None:
    schema = ccc.client.get("/openapi.json").json()
    ticket = schema["components"]["schemas"]["TicketPublic"]["properties"]
    assert {"waiting_on", "last_inbound_at"} <= set(ticket)
    queue = schema["paths"]["/api/tickets"]["get"]["parameters"]
    assert "waiting" in {p["name"] for p in queue}


def test_a_ticket_is_opened_in_one_insert_with_its_clocks_and_waiting_set(ccc: Harness) -> None:
    """Nothing of the centre can point at a ticket not yet written: its due times and who it
    waits for go into its INSERT, with no UPDATE of them after and no read of answers or
    call-backs (routing may still set its team)."""
    with ccc.session() as session:
        identity = get_or_create_identity(session, channel="sms", address=FIRST)
        session.commit()
        with statements_sent(ccc.engine) as sent:
            ticket = create_ticket(
                session, identity=identity, category="tracing", language="ar", answers={}
            )
            session.flush()
        assert ticket.waiting_on == "centre"
        assert ticket.last_inbound_at == ticket.created_at
        assert ticket.first_response_due is not None and ticket.resolution_due is not None
    opening = ("first_response_due", "waiting_on", "last_inbound_at")
    updates = [s for s in sent if s.startswith("UPDATE ticket ") and any(c in s for c in opening)]
    reads = [s for s in sent if "FROM callback_attempt" in s or "FROM message" in s]
    assert updates == [] and reads == []
