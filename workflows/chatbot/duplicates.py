"""A second intake for the same request joins the first ticket instead of opening a duplicate.

What counts as "the same request" is the rules' decision (a `link` rule on `ticket.created`,
as the shipped "second tracing request for the same person"), so the new ticket is created in
a savepoint and routed exactly as any other. When a rule links it to an earlier open ticket,
the savepoint is rolled back, with every effect of the rules on it (jobs included), and the
intake's answers and messages join the earlier ticket's timeline instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ccc.jobs.outbox import drop_scheduled_after, scheduled_count
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import CONTACT, ROUTING, Changes, apply_changes, create_ticket, record
from workflows.chatbot.turn import Turn

_JOINS = "ccc.workflows.joins"


@dataclass(frozen=True)
class Join:
    first_id: int
    rule: str


def mark_join(session: Session, *, ticket_id: int, first_id: int, rule: str) -> None:
    """Called by the `link` action on a new ticket: it is the same request as `first_id`."""
    session.info.setdefault(_JOINS, {})[ticket_id] = Join(first_id, rule)


def open_or_join(turn: Turn, *, category: str, answers: dict[str, Any]) -> tuple[Ticket, bool]:
    """The ticket this intake belongs to, and whether it is an earlier one it joined."""
    session = turn.session
    jobs_before = scheduled_count(session)
    savepoint = session.begin_nested()
    ticket = create_ticket(
        session,
        identity=turn.identity,
        category=category,
        language=turn.conversation.language,
        answers=answers,
    )
    session.flush()
    join: Join | None = session.info.get(_JOINS, {}).pop(ticket.id, None)
    first = session.get(Ticket, join.first_id) if join else None
    if join is None or first is None:
        savepoint.commit()
        return ticket, False
    savepoint.rollback()
    drop_scheduled_after(session, jobs_before)
    _join(turn, first, answers, join.rule)
    return first, True


def _join(turn: Turn, first: Ticket, answers: dict[str, Any], rule: str) -> None:
    """The second intake's answers on the first ticket's timeline, named by the rule."""
    session = turn.session
    record(session, ticket=first, kind="intake_joined", caller=CONTACT, answers=answers)
    record(
        session,
        ticket=first,
        kind="rule",
        caller=ROUTING,
        rule=rule,
        action="joined",
        reason="a second intake for the same request",
    )
    if first.status == TicketStatus.pending:
        apply_changes(
            session, ticket=first, changes=Changes(status=TicketStatus.open), caller=CONTACT
        )
    first.updated_at = turn.now
    session.add(first)
