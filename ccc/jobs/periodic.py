"""Periodic work, run by RQ's cron in `ccc worker` or by the sweep thread without Redis."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from ccc.lifecycle import check_transition
from ccc.models import Ticket, TicketStatus
from ccc.tickets import ROUTING, record
from ccc.timeutil import utcnow

QUIET_DAYS = 7


def sweep_outbox() -> int:
    from ccc.runtime import get_runtime

    return get_runtime().sweep()


def close_quiet_tickets(days: float = QUIET_DAYS) -> int:
    """Resolved tickets nobody has written about for `days` are closed."""
    from ccc.runtime import get_runtime

    cutoff = utcnow() - timedelta(days=days)
    closed = 0
    with get_runtime().unit_of_work() as session:
        rows = session.exec(
            select(Ticket)
            .where(Ticket.status == TicketStatus.resolved, col(Ticket.resolved_at) < cutoff)
            .limit(500)
            .with_for_update(skip_locked=True)
        ).all()
        for ticket in rows:
            check_transition(ticket.status, TicketStatus.closed)
            ticket.status = TicketStatus.closed
            ticket.closed_at = utcnow()
            ticket.updated_at = ticket.closed_at
            session.add(ticket)
            record(session, ticket, "status_changed", ROUTING, to="closed", reason="quiet period")
            closed += 1
    return closed
