"""One thread per person: which ticket a person's message belongs to once the centre is in
conversation with them (Chatwoot's bot-to-human hand-off, Zammad's follow-up rules).

Decided from the tickets' own messages and events, so nothing else has to keep it in step:
- the centre *holds* a ticket when a person of the centre wrote to the person on it (a reply
  with an author) or put it in `pending` (waiting on the person);
- the person *takes it back* by a menu word, recorded on the ticket as `handed_back`; the next
  write of the centre holds it again;
- a `resolved` ticket is still in its quiet period (closed after `QUIET_DAYS`): a reply
  reopens it.

The chatbot (workflows/chatbot) asks `thread_of` at each turn and stays silent while the centre
holds the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session, col, select

from ccc.access.policy import Caller
from ccc.messages.models import Direction, Message
from ccc.tickets.models import Ticket, TicketEvent, TicketStatus
from ccc.tickets.service import record

LIVE = (TicketStatus.new, TicketStatus.open, TicketStatus.pending)
HANDED_BACK = "handed_back"
# The person answered "which request is this about?" with this ticket.
NAMED = "named_by_person"
CHATBOT = Caller(user_id=None, name="chatbot", role="system")


@dataclass(frozen=True)
class Thread:
    """Where the centre stands with one person."""

    # The ticket the centre is in conversation on (last written on), if any.
    ticket: Ticket | None = None
    # True while the centre holds it: every message joins it and the chatbot is silent.
    held: bool = False
    # When the centre last wrote on it (or put it in pending).
    since: datetime | None = None
    # Several tickets in conversation and none written on: the person is asked which.
    choices: list[Ticket] = field(default_factory=list)
    # The last resolved ticket, in its quiet period: a reply reopens it.
    resolved: Ticket | None = None
    # The open ticket the person named when asked which: free text goes to it.
    named: Ticket | None = None


def thread_of(session: Session, *, contact_id: int, remembered: int | None = None) -> Thread:
    """The person's thread with the centre. `remembered` is the ticket they named when asked
    which request they meant: it wins among tickets the centre has not written on.

    A chatbot turn asks twice (before the flow, and again at the menu or between intakes):
    the second answer is the first one again, kept on the session, unless the transaction
    has written a ticket, an event or a message since (or holds such a change unwritten), or
    is another transaction. That spares a turn a query and about a millisecond of CPU."""
    key = (contact_id, remembered)
    root = session.get_transaction()
    writes = _writes(session)
    memo = session.info.get(_MEMO)
    if memo is not None and memo[:3] == (key, root, writes) and not _unwritten(session):
        thread: Thread = memo[3]
        return thread
    if _unwritten(session):
        thread = _thread_of(session, contact_id=contact_id, remembered=remembered)
    else:
        # Nothing it reads waits to be written, so what does (a turn's conversation, new or
        # moved on) is not flushed before these queries: it is written once, at the end of the
        # turn, instead of once here and again for the step the turn then sets.
        with session.no_autoflush:
            thread = _thread_of(session, contact_id=contact_id, remembered=remembered)
    session.info[_MEMO] = (key, root, writes, thread)
    return thread


_MEMO = "ccc.handover.thread"
_WRITES = "ccc.handover.writes"
# What a thread is read from: a change to any of these (or any DML) forgets the memo.
_WATCHED = (Ticket, TicketEvent, Message)


def _writes(session: Session) -> int:
    """How many flushes of watched rows and DML statements this session has run: counted by
    listeners on this one session, added the first time it is asked."""
    counter: list[int] | None = session.info.get(_WRITES)
    if counter is None:
        counter = session.info[_WRITES] = [0]
        event.listen(session, "after_flush", _count_flush)
        event.listen(session, "do_orm_execute", _count_dml)
    return counter[0]


def _unwritten(session: Session) -> bool:
    return any(
        isinstance(row, _WATCHED) for row in (*session.new, *session.dirty, *session.deleted)
    )


def _count_flush(session: Session, _context: Any) -> None:
    # In `after_flush`, new, dirty and deleted still list what this flush wrote.
    if _unwritten(session):
        session.info[_WRITES][0] += 1


def _count_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WRITES][0] += 1


# Built once (every turn of a person asks it): built per turn, the statement and its cache key
# cost more CPU than running it.
_PERSONS_TICKETS = select(Ticket).where(
    Ticket.contact_id == bindparam("b_contact_id"),
    col(Ticket.status).in_([*LIVE, TicketStatus.resolved]),
)


def _thread_of(session: Session, *, contact_id: int, remembered: int | None) -> Thread:
    tickets = session.exec(_PERSONS_TICKETS, params={"b_contact_id": contact_id}).all()
    live = {t.id: t for t in tickets if t.status in LIVE}
    resolved = max(
        (t for t in tickets if t.status == TicketStatus.resolved and t.resolved_at is not None),
        key=lambda t: (t.resolved_at, t.id),
        default=None,
    )
    since = _centre_since(session, list(live.values()))
    back = _handed_back(session, list(since))
    if since:
        ticket_id = max(since, key=lambda i: (since[i], i))
        ticket, at = live[ticket_id], since[ticket_id]
        if resolved is not None and resolved.resolved_at is not None and resolved.resolved_at > at:
            return Thread(resolved=resolved)  # the centre's latest word was the closing one
        held = ticket_id not in back or back[ticket_id] < at
        return Thread(ticket=ticket, held=held, since=at, resolved=resolved)
    named = _last_named(session, [i for i in live if i is not None])
    if remembered not in live:
        remembered = named
    return Thread(
        resolved=resolved,
        choices=_choices(live, remembered),
        named=live[named] if named is not None else None,
    )


def _choices(live: dict[int | None, Ticket], remembered: int | None) -> list[Ticket]:
    if remembered in live:
        return [live[remembered]]
    return sorted(live.values(), key=lambda t: t.created_at)


def _centre_since(session: Session, live: list[Ticket]) -> dict[int, datetime]:
    """Per live ticket, when the centre last wrote on it or put it in pending."""
    ids = [t.id for t in live if t.id is not None]
    if not ids:
        return {}
    since: dict[int, datetime] = {}
    writes = session.exec(
        select(Message.ticket_id, Message.created_at).where(
            col(Message.ticket_id).in_(ids),
            Message.direction == Direction.outbound,
            col(Message.author_user_id).is_not(None),
        )
    ).all()
    for ticket_id, at in writes:
        if ticket_id is not None and (ticket_id not in since or at > since[ticket_id]):
            since[ticket_id] = at
    for ticket in live:
        if ticket.status != TicketStatus.pending or ticket.id is None:
            continue
        pending_at = _pending_at(session, ticket.id) or ticket.updated_at
        if ticket.id not in since or pending_at > since[ticket.id]:
            since[ticket.id] = pending_at
    return since


def _pending_at(session: Session, ticket_id: int) -> datetime | None:
    events = session.exec(
        select(TicketEvent)
        .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == "status_changed")
        .order_by(col(TicketEvent.id).desc())
        .limit(5)
    ).all()
    return next((e.created_at for e in events if e.data.get("to") == TicketStatus.pending), None)


def _last_named(session: Session, ids: list[int]) -> int | None:
    if not ids:
        return None
    return session.exec(
        select(TicketEvent.ticket_id)
        .where(col(TicketEvent.ticket_id).in_(ids), TicketEvent.kind == NAMED)
        .order_by(col(TicketEvent.id).desc())
        .limit(1)
    ).first()


def named_by_person(session: Session, *, ticket: Ticket) -> None:
    """The person said which of their requests a message was about: later messages with no
    other ticket in conversation go to it too, without asking again."""
    record(session, ticket=ticket, kind=NAMED, caller=CHATBOT)


def _handed_back(session: Session, ids: list[int]) -> dict[int, datetime]:
    if not ids:
        return {}
    rows = session.exec(
        select(TicketEvent.ticket_id, TicketEvent.created_at).where(
            col(TicketEvent.ticket_id).in_(ids), TicketEvent.kind == HANDED_BACK
        )
    ).all()
    back: dict[int, datetime] = {}
    for ticket_id, at in rows:
        if ticket_id not in back or at > back[ticket_id]:
            back[ticket_id] = at
    return back


def hand_back(session: Session, *, ticket: Ticket) -> None:
    """The person asked for the menu: the chatbot answers again until the centre next writes.
    On the timeline, so an agent sees why their question may go unanswered."""
    record(session, ticket=ticket, kind=HANDED_BACK, caller=CHATBOT)
