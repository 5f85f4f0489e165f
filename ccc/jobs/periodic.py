"""Periodic work, declared once (`SCHEDULE`) and run by RQ's cron in `ccc worker` or by the
sweep thread of `ccc serve` without Redis.

A new periodic job is one function here (no arguments, idempotent: several workers may each run
it) and one row of `SCHEDULE`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import col, select

from ccc.conversations.models import Conversation
from ccc.jobs.dispatch import RQDispatcher
from ccc.kernel import ports
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.live.tasks import forget_old_live_events
from ccc.messages.service import sending_in_bulk
from ccc.retention.tasks import nightly
from ccc.sla.tasks import check_slas
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import ROUTING, Changes, apply_changes

QUIET_DAYS = 7


def sweep_outbox() -> int:
    """Every worker's cron calls this; one sweeps at a time, the others skip their turn."""
    runtime = get_runtime()
    if not isinstance(runtime.dispatcher, RQDispatcher):
        return runtime.sweep()
    with runtime.dispatcher.exclusive("sweep") as mine:
        return runtime.sweep() if mine else 0


def close_quiet_tickets(days: float = QUIET_DAYS) -> int:
    """Resolved tickets nobody has written about for `days` are closed."""
    cutoff = utcnow() - timedelta(days=days)
    closed = 0
    with get_runtime().unit_of_work() as session, sending_in_bulk(session):
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
    return sum(nightly().values())


def idle_sweep() -> int:
    """The rules listening for idle tickets (`on: ticket.idle`), through the engine's port."""
    with get_runtime().unit_of_work() as session, sending_in_bulk(session):
        return ports.engine().fire_idle(session)


OUTBOX_SECONDS = 5
SLA_SECONDS = 30  # a warning or breach is found within a minute of its time
HOURLY = 3600
DAILY = 86400
NIGHTLY = "30 0 * * *"  # UTC: 03:30 in Baghdad, when the line is quietest


@dataclass(frozen=True)
class Periodic:
    job: Callable[[], object]
    every_seconds: float
    # Without Redis, run at every tick of `CCC_SWEEP_INTERVAL` instead.
    every_tick: bool = False
    # For RQ's cron, a cron expression (UTC) in place of the interval.
    cron: str | None = None
    # On the low-priority queue, so that it never delays the webhooks' jobs.
    low_priority: bool = False


SCHEDULE: tuple[Periodic, ...] = (
    Periodic(sweep_outbox, OUTBOX_SECONDS, every_tick=True),
    Periodic(check_slas, SLA_SECONDS),
    Periodic(close_quiet_tickets, HOURLY),
    Periodic(forget_abandoned_intakes, HOURLY),
    Periodic(idle_sweep, HOURLY),
    Periodic(forget_old_live_events, HOURLY),
    Periodic(nightly_retention, DAILY, cron=NIGHTLY, low_priority=True),
)
"""Every periodic job and how often it runs, for RQ's cron (`ccc/jobs/worker.py`) and the sweep
thread without Redis (`ccc/api/app.py`)."""
