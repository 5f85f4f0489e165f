"""Periodic work, run by RQ's cron in `ccc worker` or by the sweep thread without Redis."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import col, select

from ccc.conversations.models import Conversation
from ccc.kernel.timeutil import utcnow
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import ROUTING, Changes, apply_changes

QUIET_DAYS = 7


def sweep_outbox() -> int:
    """Every worker's cron calls this; one sweeps at a time, the others skip their turn."""
    from ccc.jobs.dispatch import RQDispatcher
    from ccc.kernel.runtime import get_runtime

    runtime = get_runtime()
    if not isinstance(runtime.dispatcher, RQDispatcher):
        return runtime.sweep()
    with runtime.dispatcher.exclusive("sweep") as mine:
        return runtime.sweep() if mine else 0


def close_quiet_tickets(days: float = QUIET_DAYS) -> int:
    """Resolved tickets nobody has written about for `days` are closed."""
    from ccc.kernel.runtime import get_runtime

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
            changes = Changes(status=TicketStatus.closed, reason="quiet period")
            apply_changes(session, ticket=ticket, changes=changes, caller=ROUTING)
            closed += 1
    return closed


def forget_abandoned_intakes() -> int:
    """Answers of an intake nobody finished are personal data with no purpose: once the
    conversation has expired they are dropped, not kept until the person writes again."""
    from ccc.kernel.runtime import get_runtime

    forgotten = 0
    with get_runtime().unit_of_work() as session:
        rows = session.exec(
            select(Conversation)
            .where(col(Conversation.expires_at) < utcnow(), col(Conversation.step).is_not(None))
            .limit(1000)
        ).all()
        for conversation in rows:
            conversation.step = None
            conversation.answers = {}
            conversation.ticket_id = None
            session.add(conversation)
            forgotten += 1
    return forgotten


def nightly_retention() -> int:
    """Once a night, on the low-priority queue: `retention.yaml` applied in slices
    (`ccc/retention/tasks.py`); the count of records anonymised in the first slice."""
    from ccc.retention.tasks import nightly

    return sum(nightly().values())
