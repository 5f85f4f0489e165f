"""Which ticket the centre is in conversation on, read from the tickets' messages and events."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlmodel import select

from ccc.contacts.models import Identity
from ccc.conversations.handover import Thread, hand_back, thread_of
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import open_ticket

PERSON = "+9647700000171"


def thread(ccc: Harness, remembered: int | None = None) -> Thread:
    with ccc.session() as session:
        identity = session.exec(select(Identity).where(Identity.address == PERSON)).one()
        return thread_of(session, contact_id=identity.contact_id, remembered=remembered)


def reply(ccc: Harness, agent: dict[str, str], reference: str, text: str) -> None:
    response = ccc.client.post(
        f"/api/tickets/{reference}/replies", json={"text": text}, headers=agent
    )
    assert response.status_code == 202, response.text


def status(ccc: Harness, agent: dict[str, str], reference: str, value: str) -> None:
    response = ccc.client.patch(f"/api/tickets/{reference}", json={"status": value}, headers=agent)
    assert response.status_code == 200, response.text


def test_no_write_of_the_centre_holds_nothing(ccc: Harness) -> None:
    open_ticket(ccc, PERSON)
    now = thread(ccc)
    assert now.ticket is None and not now.held and now.resolved is None
    assert len(now.choices) == 1


def test_an_agents_reply_holds_the_ticket_until_a_menu_word_hands_it_back(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PERSON)
    reply(ccc, agent, reference, "Which prison?")
    held = thread(ccc)
    assert held.ticket is not None and held.ticket.reference == reference and held.held
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        hand_back(session, ticket=ticket)
        session.commit()
    back = thread(ccc)
    assert back.ticket is not None and back.ticket.reference == reference and not back.held
    reply(ccc, agent, reference, "And which year?")
    assert thread(ccc).held


def test_the_ticket_the_centre_last_wrote_on_wins(ccc: Harness, agent: dict[str, str]) -> None:
    first = open_ticket(ccc, PERSON)
    second = open_ticket(ccc, PERSON, "detention")
    reply(ccc, agent, second, "About your son: which prison?")
    reply(ccc, agent, first, "About your brother: which town?")
    now = thread(ccc)
    assert now.ticket is not None and now.ticket.reference == first
    reply(ccc, agent, second, "And the date?")
    now = thread(ccc)
    assert now.ticket is not None and now.ticket.reference == second


def test_pending_holds_the_ticket_without_a_reply(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PERSON)
    status(ccc, agent, reference, "pending")
    now = thread(ccc)
    assert now.ticket is not None and now.ticket.reference == reference and now.held


def test_several_tickets_none_written_on_are_the_choices_unless_one_was_named(
    ccc: Harness,
) -> None:
    first = open_ticket(ccc, PERSON)
    second = open_ticket(ccc, PERSON, "detention")
    now = thread(ccc)
    assert [t.reference for t in now.choices] == [first, second]
    named = now.choices[1].id
    assert [t.reference for t in thread(ccc, remembered=named).choices] == [second]


def test_a_resolved_ticket_is_the_one_a_reply_answers_after_the_closing_message(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PERSON)
    reply(ccc, agent, reference, "We are looking.")
    status(ccc, agent, reference, "resolved")
    now = thread(ccc)
    assert now.ticket is None and not now.held
    assert now.resolved is not None and now.resolved.reference == reference


def test_asked_twice_in_one_transaction_the_thread_is_read_once_until_a_ticket_changes(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PERSON)
    reply(ccc, agent, reference, "Which prison?")
    statements: list[str] = []

    def one(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with ccc.session() as session:
        identity = session.exec(select(Identity).where(Identity.address == PERSON)).one()
        event.listen(ccc.engine, "before_cursor_execute", one)
        try:
            first = thread_of(session, contact_id=identity.contact_id)
            asked = len(statements)
            again = thread_of(session, contact_id=identity.contact_id)
            assert again is first and len(statements) == asked
            assert first.ticket is not None and first.held

            hand_back(session, ticket=first.ticket)  # a change in the same transaction
            after = thread_of(session, contact_id=identity.contact_id)
            assert len(statements) > asked
            assert after.ticket is not None and not after.held
        finally:
            event.remove(ccc.engine, "before_cursor_execute", one)
