""" "Someone else has this ticket open" (each open ticket page refreshes its row while it polls),
and who is online in the console now."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from ccc.access.models import User
from ccc.console import auth
from ccc.console.models import ConsoleSession, TicketPresence

FRESH = timedelta(seconds=20)  # a row younger than this is not rewritten (fewer writes)
GONE = timedelta(seconds=45)  # a page that has not polled for this long is closed


def here(session: Session, *, ticket_id: int, user_id: int) -> None:
    now = auth.now()
    row = session.get(TicketPresence, (ticket_id, user_id))
    if row is None:
        session.add(TicketPresence(ticket_id=ticket_id, user_id=user_id, seen_at=now))
    elif now - row.seen_at > FRESH:
        row.seen_at = now
        session.add(row)


def others(session: Session, *, ticket_id: int, user_id: int) -> list[str]:
    since = auth.now() - GONE
    names = session.exec(
        select(User.name)
        .join(TicketPresence, col(TicketPresence.user_id) == User.id)
        .where(
            TicketPresence.ticket_id == ticket_id,
            TicketPresence.user_id != user_id,
            col(TicketPresence.seen_at) >= since,
        )
        .order_by(col(User.name))
    ).all()
    return list(names)


ONLINE = timedelta(minutes=5)  # a console request within this is "online now"


def online_user_ids(session: Session, *, within: timedelta = ONLINE) -> frozenset[int]:
    """Users with a console session that made a request lately (`auth.open_session` refreshes
    `last_seen_at` at most once a minute) and was not ended."""
    since = auth.now() - within
    rows = session.exec(
        select(ConsoleSession.user_id).where(
            col(ConsoleSession.last_seen_at) >= since, col(ConsoleSession.ended_at).is_(None)
        )
    ).all()
    return frozenset(rows)
