"""Who owes the next word on a ticket: `waiting_on` and `last_inbound_at`.

Stored on the ticket rather than computed per read, so that `waiting=centre` (the people
waiting longest for an answer) is one indexed range and not a scan of every message.

- `centre`: the person wrote last (or opened the ticket) and nobody of the centre answered;
- `person`: the centre wrote last on a ticket that is `pending`, or its last reply asked a
  question;
- None: otherwise (answered, resolved, closed).

Only people of the centre answer: the chatbot's automatic acknowledgements do not count. A
call-back that reached the person is an answer too: the agent has spoken with them.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from ccc.calls.models import AttemptOutcome, Callback, CallbackAttempt
from ccc.kernel import events
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Direction, Message
from ccc.tickets.lifecycle import ACTIVE
from ccc.tickets.models import Ticket, TicketStatus, WaitingOn

QUESTION_MARKS = ("?", "؟")


def asks_question(text: str) -> bool:
    """An agent's reply that asks something (Latin or Arabic question mark) expects an answer."""
    return any(mark in text for mark in QUESTION_MARKS)


def _last_answer(session: Session, ticket: Ticket) -> Message | None:
    """The centre's last message to the person on this ticket (written by a user)."""
    return session.exec(
        select(Message)
        .where(
            Message.ticket_id == ticket.id,
            Message.direction == Direction.outbound,
            col(Message.author_user_id).is_not(None),
        )
        .order_by(col(Message.id).desc())
        .limit(1)
    ).first()


def _last_reached(session: Session, ticket: Ticket) -> datetime | None:
    """When an agent last spoke with the person on a call-back of this ticket."""
    return session.exec(
        select(CallbackAttempt.created_at)
        .join(Callback, col(Callback.id) == CallbackAttempt.callback_id)
        .where(Callback.ticket_id == ticket.id, CallbackAttempt.outcome == AttemptOutcome.reached)
        .order_by(col(CallbackAttempt.id).desc())
        .limit(1)
    ).first()


def refresh(session: Session, *, ticket: Ticket) -> None:
    """Recomputes `waiting_on` from the ticket's status and its last messages."""
    ticket.waiting_on = _waiting_on(session, ticket)
    session.add(ticket)


def _waiting_on(session: Session, ticket: Ticket) -> str | None:
    if ticket.status not in ACTIVE:
        return None
    answer = _last_answer(session, ticket)
    answered = [at for at in (answer and answer.created_at, _last_reached(session, ticket)) if at]
    person_wrote = ticket.last_inbound_at
    if person_wrote is not None and (not answered or max(answered) < person_wrote):
        return WaitingOn.centre.value
    if ticket.status == TicketStatus.pending:
        return WaitingOn.person.value
    if answer is not None and asks_question(answer.text):
        return WaitingOn.person.value
    return None


def person_wrote(session: Session, *, ticket: Ticket, at: datetime | None = None) -> None:
    """The person wrote on (or opened) the ticket: it now waits for the centre."""
    at = at or utcnow()
    if ticket.last_inbound_at is None or at > ticket.last_inbound_at:
        ticket.last_inbound_at = at
    refresh(session, ticket=ticket)


def opened(ticket: Ticket) -> None:
    """A ticket being opened is a person's request that nobody of the centre has answered yet
    (no reply, no call-back can point at a ticket not yet written): it waits for the centre
    from its creation. `person_wrote` would find the same, after two reads."""
    ticket.last_inbound_at = ticket.created_at
    ticket.waiting_on = WaitingOn.centre.value if ticket.status in ACTIVE else None


@events.subscribe(events.TICKET_MESSAGE)
def follow_messages(session: Session, event: events.DomainEvent) -> None:
    """A person's message that joined a ticket, whoever placed it there (the chatbot)."""
    ticket = session.get(Ticket, event.ticket_id) if event.ticket_id else None
    if ticket is None:
        return
    message = session.get(Message, event.message_id) if event.message_id else None
    person_wrote(session, ticket=ticket, at=message.created_at if message else None)
