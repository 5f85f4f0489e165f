"""Holds: `ccc ticket hold REFERENCE --reason …` keeps a ticket from retention and erasure
(a court's request, a family still searching). Each hold and release is on the ticket's
timeline, where the focal team sees it, and in the audit log."""

from __future__ import annotations

from sqlmodel import Session, col, select

from ccc.access import audit
from ccc.access.policy import Caller
from ccc.kernel.errors import Conflict, Invalid
from ccc.kernel.timeutil import utcnow
from ccc.retention.models import TicketHold
from ccc.tickets.models import Ticket
from ccc.tickets.service import record


def active_hold(session: Session, *, ticket: Ticket) -> TicketHold | None:
    return session.exec(
        select(TicketHold).where(
            TicketHold.ticket_id == ticket.id, col(TicketHold.released_at).is_(None)
        )
    ).first()


def hold(session: Session, *, ticket: Ticket, reason: str, caller: Caller) -> TicketHold:
    reason = reason.strip()
    if not reason:
        raise Invalid("a hold needs a reason (who asked for it, and why)")
    if ticket.anonymised_at is not None:
        raise Conflict("this ticket's content was already removed by retention")
    if active_hold(session, ticket=ticket) is not None:
        raise Conflict("this ticket is already on hold")
    assert ticket.id is not None
    held = TicketHold(ticket_id=ticket.id, reason=reason[:1000], actor=caller.name)
    session.add(held)
    record(session, ticket=ticket, kind="hold", caller=caller)
    audit.record(session, caller=caller, action=audit.Action.hold, ticket=ticket, reason=reason)
    return held


def release(session: Session, *, ticket: Ticket, caller: Caller) -> TicketHold:
    held = active_hold(session, ticket=ticket)
    if held is None:
        raise Conflict("this ticket is not on hold")
    held.released_at = utcnow()
    held.released_by = caller.name
    session.add(held)
    record(session, ticket=ticket, kind="hold_released", caller=caller)
    audit.record(session, caller=caller, action=audit.Action.hold_released, ticket=ticket)
    return held
