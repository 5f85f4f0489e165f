"""Break-glass: a supervisor or admin outside a restricted ticket's focal team opens it, for a
reason, for `CCC_BREAK_GLASS_MINUTES`.

Restricted tickets fail closed (`policy.visible_tickets`), yet a safeguarding emergency may
need someone else to read one at night. The request is the only way in, and it is loud: a
`break_glass` event on the ticket's timeline (which the focal team sees), the escalation
webhook to the supervisors' own system (no personal data), an audit entry `break_glass` that
the focal team's supervisors review afterwards (and, while the grant lasts, the one who asked:
`access.api._visible_entries`), and each read during the grant recorded (`audit.disclose`).
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from ccc.access import audit
from ccc.access.models import BreakGlassGrant
from ccc.access.policy import Caller, may_break_glass
from ccc.jobs.outbox import schedule
from ccc.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from ccc.kernel.timeutil import utcnow
from ccc.tickets.models import Sensitivity, Ticket
from ccc.tickets.service import record

# The escalation webhook's job kind (workflows/rules/escalation.py), named here by its string only.
NOTIFY_ESCALATION = "notify_escalation"


def request_access(
    session: Session,
    *,
    caller: Caller,
    reference: str,
    reason: str,
    minutes: int,
    focal_team: str,
    notify: bool,
) -> tuple[Ticket, BreakGlassGrant]:
    if not may_break_glass(caller) or caller.user_id is None:
        raise Forbidden("break-glass access is for supervisors and admins")
    reason = reason.strip()
    if not reason:
        raise Invalid("break-glass access needs a reason")
    ticket = session.exec(select(Ticket).where(Ticket.reference == reference.strip())).first()
    if ticket is None or ticket.id is None:
        raise NotFound("ticket not found")
    if ticket.sensitivity != Sensitivity.restricted:
        raise Conflict("this ticket is not restricted: open it as usual")
    if focal_team in caller.team_slugs:
        raise Conflict("you are in the focal team and see this ticket already")
    now = utcnow()
    grant = BreakGlassGrant(
        ticket_id=ticket.id,
        user_id=caller.user_id,
        reason=reason[:1000],
        created_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )
    session.add(grant)
    record(
        session,
        ticket=ticket,
        kind="break_glass",
        caller=caller,
        reason=grant.reason,
        until=grant.expires_at.isoformat(),
    )
    audit.record(
        session,
        caller=caller,
        action=audit.Action.break_glass,
        ticket=ticket,
        reason=grant.reason,
        until=grant.expires_at.isoformat(),
    )
    if notify:
        schedule(session, NOTIFY_ESCALATION, ticket_id=ticket.id, rule="break_glass")
    return ticket, grant
