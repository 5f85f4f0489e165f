"""A `link` rule's word to the intake that a new ticket is the same request as an earlier one
(`workflows/chatbot/duplicates.py` then joins the intake to the earlier ticket). Kept apart so
the rules engine and the chatbot share it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

_JOINS = "ccc.workflows.joins"


@dataclass(frozen=True)
class Join:
    first_id: int
    rule: str


def mark_join(session: Session, *, ticket_id: int, first_id: int, rule: str) -> None:
    """Called by the `link` action on a new ticket: it is the same request as `first_id`."""
    session.info.setdefault(_JOINS, {})[ticket_id] = Join(first_id, rule)


def take_join(session: Session, ticket_id: int | None) -> Join | None:
    """The join marked for a new ticket, if any, forgotten once taken."""
    join: Join | None = session.info.get(_JOINS, {}).pop(ticket_id, None)
    return join
