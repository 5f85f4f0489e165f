"""A ticket's search text: its answers and its person's messages, in the form the chatbot matches
words in (`ccc.kernel.text.normalise`), so that `أحمد`, `احمد` and `اَحمد` find each other.

Kept by listeners on every session, whatever wrote the answers or attached a message (an agent,
the chatbot, a rule, retention), so that no writer can forget it: each flush notes the tickets it
touched and the commit writes their text once. The queue's `q=` searches this column alone,
through a trigram index on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction, attributes
from sqlmodel import col

from ccc.kernel.text import normalise
from ccc.messages.models import Direction, Message
from ccc.tickets.models import Ticket

# Enough for the answers and a long exchange; a ticket past it is still found by its start.
LIMIT = 20_000


def answer_words(value: Any) -> Iterator[str]:
    """The values of the answers, nested lists and objects included; never the keys, which
    every ticket shares."""
    if isinstance(value, dict):
        for item in value.values():
            yield from answer_words(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from answer_words(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def search_text(answers: dict[str, Any], messages: Iterable[str]) -> str:
    """One line for the answers, then one per message, each normalised."""
    lines = [normalise(" ".join(answer_words(answers))), *(normalise(m) for m in messages)]
    return "\n".join(line for line in lines if line)[:LIMIT]


def refresh(session: Session, ticket_ids: Iterable[int]) -> None:
    """Writes the search text of these tickets again from what the database holds now."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    connection = session.connection()
    found = connection.execute(
        select(col(Ticket.id), col(Ticket.answers)).where(col(Ticket.id).in_(ids))
    )
    answers: dict[int, Any] = {row[0]: row[1] for row in found}
    messages: dict[int, list[str]] = defaultdict(list)
    said = (
        select(col(Message.ticket_id), col(Message.text))
        .where(col(Message.ticket_id).in_(ids), col(Message.direction) == Direction.inbound)
        .order_by(col(Message.id))
    )
    for ticket_id, text in connection.execute(said):
        if ticket_id is not None:
            messages[ticket_id].append(text)
    for ticket_id, ticket_answers in answers.items():
        value = search_text(ticket_answers or {}, messages[ticket_id])
        connection.execute(
            update(Ticket).where(col(Ticket.id) == ticket_id).values(search_text=value)
        )
        key = inspect(Ticket).identity_key_from_primary_key((ticket_id,))
        loaded = session.identity_map.get(key)
        if loaded is not None:
            attributes.set_committed_value(loaded, "search_text", value)


def _changed(obj: object, name: str) -> bool:
    return attributes.get_history(obj, name).has_changes()


def _touched(session: Session) -> set[int]:
    """The tickets whose answers changed, or which a person's message joined or left, in the
    flush that just ran."""
    ids: set[int] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Ticket) and obj.id is not None:
            if obj in session.new or _changed(obj, "answers"):
                ids.add(obj.id)
        elif isinstance(obj, Message) and obj.direction == Direction.inbound:
            history = attributes.get_history(obj, "ticket_id")
            if obj in session.new or history.has_changes() or _changed(obj, "text"):
                ids |= {i for i in (*history.sum(), obj.ticket_id) if i is not None}
    return ids


_PENDING_KEY = "ccc.tickets.search.pending"


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    """Noted at each flush, written once before the commit: a turn or a ticket's creation
    flushes several times, and each refresh is three statements."""
    touched = _touched(session)
    if touched:
        session.info.setdefault(_PENDING_KEY, set()).update(touched)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """SQLAlchemy calls this at a savepoint's release too (a ticket's creation is one): the
    text is written at the outer commit only, once, with what the savepoint wrote noted."""
    if session.in_nested_transaction():
        return
    session.flush()  # the commit's own flush, a moment early: what it writes is noted too
    pending = session.info.pop(_PENDING_KEY, None)
    if pending:
        refresh(session, pending)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction's tickets are forgotten with it. A savepoint's are kept: the
    outer transaction may have touched them too, and refreshing one more is harmless."""
    if transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
