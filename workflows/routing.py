"""The first subscriber to `ticket.created`: route by the rules, start the SLA clocks."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session, select

from ccc.access.models import Team
from ccc.access.policy import CENTRE_TEAM
from ccc.kernel import events
from ccc.tickets.models import Ticket
from ccc.tickets.service import ROUTING, record
from workflows.library import current

log = logging.getLogger(__name__)
FALLBACK_TEAM = CENTRE_TEAM


@events.subscribe(events.TICKET_CREATED)
def route_new_ticket(session: Session, event: events.DomainEvent) -> None:
    ticket = session.get(Ticket, event.ticket_id)
    assert ticket is not None
    book = current().rules
    rule = book.route(ticket)
    if rule is not None:
        if rule.priority:
            ticket.priority = rule.priority
        if rule.sensitivity:
            ticket.sensitivity = rule.sensitivity
    team = _team(session, rule.team if rule else None)
    ticket.team_id = team.id if team else None
    sla = book.sla(ticket.priority)
    ticket.first_response_due = ticket.created_at + timedelta(hours=sla.first_response_hours)
    ticket.resolution_due = ticket.created_at + timedelta(hours=sla.resolution_hours)
    session.add(ticket)
    record(
        session,
        ticket=ticket,
        kind="routed",
        caller=ROUTING,
        rule=rule.name if rule else None,
        team=team.slug if team else None,
        priority=ticket.priority,
        sensitivity=ticket.sensitivity,
    )


def _team(session: Session, slug: str | None) -> Team | None:
    for candidate in (slug, FALLBACK_TEAM):
        if candidate is None:
            continue
        team = session.exec(select(Team).where(Team.slug == candidate)).first()
        if team is not None:
            return team
        log.warning("routing names team %r, which does not exist", candidate)
    return None
