"""The one owner of SLA due times: set on creation, moved on a change of priority or category,
paused while a ticket waits on the person, and checked for warnings and breaches.

Every due time is counted from the ticket's creation in the business time of its policy's
calendar, plus the business time it spent `pending`: one formula, so a recalculation, a resume
and the breach job can never disagree about when a ticket is due. The next-response clock is the
same formula counted from the person's first unanswered message after an agent's reply, plus
the time paused since then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col

from ccc.kernel import events
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from ccc.sla.policy import Clock, TicketPolicy, policies
from ccc.tickets.models import Ticket, TicketStatus

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
NEXT_RESPONSE = "next_response"
WARNING = "warning"
BREACHED = "breached"
# Clocks run while the centre owes the person something; `pending` waits on the person.
RUNNING = frozenset({TicketStatus.new, TicketStatus.open, TicketStatus.referred})
OPEN = RUNNING | {TicketStatus.pending}


@dataclass(frozen=True)
class Alert:
    clock: str  # first_response, next_response or resolution
    kind: str  # warning or breached
    at: datetime
    due: datetime

    @property
    def name(self) -> str:
        return f"{self.clock}.{self.kind}"


def policy_of(ticket: Ticket) -> TicketPolicy:
    return policies().ticket_policy(
        category=ticket.category, priority=ticket.priority, sensitivity=ticket.sensitivity
    )


def _clock(policy: TicketPolicy) -> Clock:
    return policies().clock(policy.calendar)


def start_clocks(*, ticket: Ticket) -> None:
    """Due times of a new ticket."""
    ticket.sla_paused_seconds = 0.0
    ticket.sla_paused_at = None
    ticket.sla_fired = []
    recalculate(ticket=ticket)


def recalculate(*, ticket: Ticket, now: datetime | None = None) -> None:
    """Due times from the current policy. An alert whose instant moved into the future may
    fire again; one still in the past stays fired, so nothing fires twice for one instant."""
    now = now or utcnow()
    plan = _plan(ticket)
    ticket.first_response_due = plan[f"{FIRST_RESPONSE}.{BREACHED}"]
    ticket.resolution_due = plan[f"{RESOLUTION}.{BREACHED}"]
    ticket.next_response_due = plan.get(f"{NEXT_RESPONSE}.{BREACHED}")
    ticket.sla_fired = [name for name in ticket.sla_fired if plan.get(name, now) <= now]
    if not any(name.endswith(BREACHED) for name in ticket.sla_fired):
        ticket.sla_breached_at = None
    schedule_next(ticket=ticket)


def _plan(ticket: Ticket) -> dict[str, datetime]:
    """The instant of every alert (`first_response.warning`, ...), from creation, the policy
    and the business time spent paused."""
    policy = policy_of(ticket)
    clock = _clock(policy)
    paused = timedelta(seconds=ticket.sla_paused_seconds)
    plan = {}
    clocks = [
        (FIRST_RESPONSE, ticket.created_at, policy.first_response, paused),
        (RESOLUTION, ticket.created_at, policy.resolution, paused),
    ]
    if policy.next_response is not None and ticket.next_response_since is not None:
        since_paused = paused - timedelta(seconds=ticket.next_response_paused_before)
        clocks.append(
            (NEXT_RESPONSE, ticket.next_response_since, policy.next_response, since_paused)
        )
    for name, start, duration, pause in clocks:
        plan[f"{name}.{WARNING}"] = clock.add(start, duration * policy.warn_at + pause)
        plan[f"{name}.{BREACHED}"] = clock.add(start, duration + pause)
    return plan


def alerts(ticket: Ticket) -> list[Alert]:
    """Every warning and breach still ahead of the ticket (not yet fired), soonest first."""
    if ticket.status not in RUNNING or ticket.sla_paused_at is not None:
        return []
    plan = _plan(ticket)
    found = []
    for clock in (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION):
        if clock == FIRST_RESPONSE and ticket.first_response_at is not None:
            continue
        if f"{clock}.{BREACHED}" not in plan:
            continue
        due = plan[f"{clock}.{BREACHED}"]
        for kind in (WARNING, BREACHED):
            alert = Alert(clock, kind, plan[f"{clock}.{kind}"], due)
            if alert.name not in ticket.sla_fired:
                found.append(alert)
    return sorted(found, key=lambda alert: alert.at)


def schedule_next(*, ticket: Ticket) -> None:
    upcoming = alerts(ticket)
    ticket.sla_next_check = upcoming[0].at if upcoming else None


def fire_due(*, ticket: Ticket, now: datetime) -> list[Alert]:
    """The alerts whose time has come, marked fired (each fires once), the next check set.
    A breach makes a warning that never fired redundant, so that warning is dropped."""
    fired = []
    names = list(ticket.sla_fired)
    for alert in alerts(ticket):
        if alert.at > now:
            break
        names.append(alert.name)
        fired.append(alert)
    breached_clocks = {a.clock for a in fired if a.kind == BREACHED}
    fired = [a for a in fired if a.kind == BREACHED or a.clock not in breached_clocks]
    ticket.sla_fired = names
    if breached_clocks and ticket.sla_breached_at is None:
        ticket.sla_breached_at = now
    schedule_next(ticket=ticket)
    return fired


def awaiting_reply(*, ticket: Ticket, since: datetime) -> None:
    """The person wrote after an agent's reply: the next reply is due from `since`. Later
    messages before that reply do not move it; each wait fires its own warning and breach."""
    if ticket.first_response_at is None or ticket.next_response_since is not None:
        return
    ticket.next_response_since = since
    ticket.next_response_paused_before = ticket.sla_paused_seconds
    ticket.sla_fired = [n for n in ticket.sla_fired if not n.startswith(f"{NEXT_RESPONSE}.")]
    if ticket.status in OPEN:
        recalculate(ticket=ticket, now=since)


def answered(*, ticket: Ticket) -> None:
    """An agent replied: the wait for a next response, if any, is over."""
    if ticket.next_response_since is None:
        return
    ticket.next_response_since = None
    ticket.next_response_due = None
    schedule_next(ticket=ticket)


@events.subscribe(events.TICKET_MESSAGE)
def follow_messages(session: Session, event: events.DomainEvent) -> None:
    """A message from the person on a ticket an agent already answered starts the clock."""
    ticket = session.get(Ticket, event.ticket_id)
    message = session.get(Message, event.message_id) if event.message_id else None
    if ticket is None:
        return
    awaiting_reply(ticket=ticket, since=message.created_at if message else utcnow())
    session.add(ticket)


def pause(*, ticket: Ticket, now: datetime | None = None) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now or utcnow()
    ticket.sla_next_check = None


def resume(*, ticket: Ticket, now: datetime | None = None) -> None:
    """The business time spent paused moves every due time on by as much."""
    now = now or utcnow()
    if ticket.sla_paused_at is not None:
        spent = _clock(policy_of(ticket)).elapsed(ticket.sla_paused_at, now)
        ticket.sla_paused_seconds += max(spent.total_seconds(), 0.0)
        ticket.sla_paused_at = None
    recalculate(ticket=ticket, now=now)


@events.subscribe(events.TICKET_UPDATED)
def follow_changes(session: Session, event: events.DomainEvent) -> None:
    """Status, priority and category changes move the clocks, whoever made them."""
    changed = set(event.data.get("changed", ()))
    if not changed & {"status", "priority", "category", "sensitivity"}:
        return
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    if ticket.status == TicketStatus.pending:
        pause(ticket=ticket)
    elif ticket.sla_paused_at is not None:
        resume(ticket=ticket)
    elif ticket.status in RUNNING:
        recalculate(ticket=ticket)
    else:
        # Resolved or closed: the person was told, so no reply is owed any more; a message
        # that reopens the ticket starts a new wait from itself.
        answered(ticket=ticket)
        ticket.sla_next_check = None
    session.add(ticket)


def referral_due(*, team: str, start: datetime) -> datetime:
    """When a referral to `team` must be accepted, in that team's business hours."""
    policy = policies().referral_policy(team=team)
    return policies().clock(policy.calendar).add(start, policy.acceptance)


def breached_filter(now: datetime) -> Any:
    """The queue's `sla=breached`: an open ticket the breach job marked, or a running one past
    a due time that the job has not reached yet (it runs every 30 seconds)."""
    past_due = or_(
        col(Ticket.resolution_due) < now,
        and_(col(Ticket.first_response_due) < now, col(Ticket.first_response_at).is_(None)),
        col(Ticket.next_response_due) < now,
    )
    return or_(
        and_(col(Ticket.status).in_(sorted(OPEN)), col(Ticket.sla_breached_at).is_not(None)),
        and_(
            col(Ticket.status).in_(sorted(RUNNING)),
            col(Ticket.sla_paused_at).is_(None),
            past_due,
        ),
    )


def compliance(created: Sequence[Ticket], resolved: Sequence[Ticket]) -> dict[str, Any]:
    """The share of tickets that met each clock, for the reports."""
    first_met = [
        t.first_response_at <= t.first_response_due
        for t in created
        if t.first_response_at and t.first_response_due
    ]
    resolution_met = [
        t.resolved_at <= t.resolution_due for t in resolved if t.resolved_at and t.resolution_due
    ]
    return {"first_response_met": _share(first_met), "resolution_met": _share(resolution_met)}


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None
