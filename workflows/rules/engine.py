"""The rules engine: on each event, the rules listening to it run in file order.

A rule whose `when` holds applies its actions (`workflows/rules/actions.py`); `stop: true` ends the
evaluation. The events are the core's domain events: a new ticket, a message on a ticket, a
change, an SLA warning or breach, an overdue referral; `ticket.idle` comes from the periodic
job below. The SLA policies of the rulebook are handed to the core by the composition root
(`ccc.api.wiring.bootstrap`), never by importing this module.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from ccc.access.models import Team
from ccc.access.policy import CENTRE_TEAM
from ccc.access.service import team_by_slug
from ccc.kernel import events
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.sla import service as sla
from ccc.tickets.models import Ticket
from ccc.tickets.service import ROUTING, record
from workflows.files.library import current
from workflows.files.rulebook import RuleBook
from workflows.rules.actions import apply
from workflows.rules.conditions import Facts, Other
from workflows.rules.run import Run, team_slug

log = logging.getLogger(__name__)
FALLBACK_TEAM = CENTRE_TEAM
MESSAGE_ON_TICKET = "message.received"
IDLE = "ticket.idle"
# Tickets that went quiet within this window before the cutoff are looked at; the hourly job
# therefore sees each quiet stretch many times, and the token fires it once.
IDLE_WINDOW = timedelta(days=1)


def evaluate(
    session: Session,
    ticket: Ticket,
    event: str,
    *,
    text: str = "",
    book: RuleBook | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Run the rules listening to `event` on the ticket; the names of those that matched."""
    library = current()
    book = book or library.rules
    facts = Facts(
        ticket=ticket,
        event=event,
        now=now or utcnow(),
        text=text,
        team=team_slug(session, ticket.team_id),
        history_loader=lambda: history(session, ticket),
    )
    matched = []
    for rule in book.on(event):
        if not rule.test(facts):
            continue
        run = Run(session, ticket, facts, rule.name, book.templates, library.calendars, ROUTING)
        for action in rule.actions:
            apply(run, action)
        matched.append(rule.name)
        if rule.stop:
            break
    return matched


_OTHER_TICKETS = select(Ticket).where(  # built once: every new ticket's routing asks it
    Ticket.contact_id == bindparam("b_contact_id"), Ticket.id != bindparam("b_ticket_id")
)


def history(session: Session, ticket: Ticket) -> list[Other]:
    """The contact's other tickets, for the history conditions and `link`."""
    rows = session.exec(
        _OTHER_TICKETS, params={"b_contact_id": ticket.contact_id, "b_ticket_id": ticket.id}
    ).all()
    return [
        Other(t.id, t.reference, t.category, t.status, t.created_at, dict(t.answers))
        for t in rows
        if t.id is not None
    ]


@events.subscribe(events.TICKET_CREATED)
def route_new_ticket(session: Session, event: events.DomainEvent) -> None:
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    routed = record(session, ticket=ticket, kind="routed", caller=ROUTING)
    session.flush()  # the summary comes right after `created`, before each rule's own events
    matched = evaluate(session, ticket, events.TICKET_CREATED)
    if ticket.team_id is None:
        team = _team(session, FALLBACK_TEAM)
        ticket.team_id = team.id if team else None
    session.add(ticket)
    routed.data = {
        "rule": matched[-1] if matched else None,
        "rules": matched,
        "team": team_slug(session, ticket.team_id),
        "priority": ticket.priority,
        "sensitivity": ticket.sensitivity,
    }
    session.add(routed)


def _team(session: Session, slug: str) -> Team | None:
    team = team_by_slug(session, slug)
    if team is None:
        log.warning("routing names team %r, which does not exist", slug)
    return team


@events.subscribe(events.TICKET_UPDATED)
def on_update(session: Session, event: events.DomainEvent) -> None:
    if event.data.get("actor") == ROUTING.name:
        return  # a rule's own change does not set off the rules again
    _on(session, event, "ticket.updated")


@events.subscribe(events.TICKET_MESSAGE)
def on_message(session: Session, event: events.DomainEvent) -> None:
    _on(session, event, MESSAGE_ON_TICKET)


@events.subscribe("sla.warning")
def on_sla_warning(session: Session, event: events.DomainEvent) -> None:
    _on(session, event, "sla.warning")


@events.subscribe("sla.breached")
def on_sla_breached(session: Session, event: events.DomainEvent) -> None:
    _on(session, event, "sla.breached")


@events.subscribe("referral.overdue")
def on_referral_overdue(session: Session, event: events.DomainEvent) -> None:
    _on(session, event, "referral.overdue")


def _on(session: Session, event: events.DomainEvent, name: str) -> None:
    if not current().rules.on(name):
        return
    ticket = session.get(Ticket, event.ticket_id)
    if ticket is None:
        return
    evaluate(session, ticket, name, text=str(event.data.get("text", "")))
    session.add(ticket)


def fire_idle(session: Session, *, now: datetime | None = None, limit: int = 500) -> int:
    """`ticket.idle` rules: once for each quiet stretch of a ticket longer than their `idle`."""
    now = now or utcnow()
    fired = 0
    for rule in current().rules.on(IDLE):
        assert rule.idle is not None
        cutoff = now - rule.idle
        rows = session.exec(
            select(Ticket)
            .where(
                col(Ticket.status).in_(sorted(sla.OPEN)),
                col(Ticket.updated_at) <= cutoff,
                col(Ticket.updated_at) > cutoff - IDLE_WINDOW,
            )
            .order_by(col(Ticket.updated_at))
            .limit(limit)
        ).all()
        for ticket in rows:
            token = f"idle:{rule.name}@{ticket.updated_at.isoformat()}"
            if token in ticket.sla_fired:
                continue
            ticket.sla_fired = [*ticket.sla_fired, token]
            book = RuleBook((rule,), current().rules.words, current().rules.templates)
            if evaluate(session, ticket, IDLE, book=book, now=now):
                fired += 1
            session.add(ticket)
    return fired


def idle_sweep() -> int:
    with get_runtime().unit_of_work() as session:
        return fire_idle(session)
