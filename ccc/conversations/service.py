"""The chatbot's focus: which ticket a person's next free message belongs to."""

from __future__ import annotations

from sqlmodel import Session, col, update

from ccc.conversations.models import Conversation


def focus_on_ticket(session: Session, *, identity_id: int, ticket_id: int) -> None:
    """After an agent writes to a person about a ticket, their answer belongs to that ticket,
    unless they are in the middle of an intake."""
    session.execute(
        update(Conversation)
        .where(col(Conversation.identity_id) == identity_id, col(Conversation.step).is_(None))
        .values(ticket_id=ticket_id)
    )
