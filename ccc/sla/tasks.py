"""The breach job: every 30 seconds (RQ's cron under `ccc worker`, the sweep thread under
`ccc serve`), fire the warnings and breaches whose time has come, and the referrals overdue.

It reads one indexed column (`sla_next_check`), so its cost follows the alerts due, not the
number of open tickets. Rows are locked with SKIP LOCKED, so two workers running the job at
once share the work instead of firing an alert twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, col, select

from ccc.access.models import Team
from ccc.kernel import events
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.referrals.models import Referral, ReferralStatus
from ccc.sla import service
from ccc.tickets.models import Ticket
from ccc.tickets.service import ROUTING, record

log = logging.getLogger(__name__)

BATCH = 500
SLA_WARNING = "sla.warning"
SLA_BREACHED = "sla.breached"
REFERRAL_OVERDUE = "referral.overdue"


def check_slas(now: datetime | None = None) -> int:
    """Alerts fired, in batches of one transaction each; the periodic entry point."""
    runtime = get_runtime()
    total = 0
    while True:
        with runtime.unit_of_work() as session:
            count, more = fire_batch(session, now=now or utcnow())
        total += count
        if not more:
            break
    with runtime.unit_of_work() as session:
        total += fire_overdue_referrals(session, now=now or utcnow())
    if total:
        log.info("SLA check fired %d alert(s)", total)
    return total


def fire_batch(session: Session, *, now: datetime) -> tuple[int, bool]:
    """One batch of tickets with an alert due: (alerts fired, whether more may wait)."""
    rows = session.exec(
        select(Ticket)
        .where(col(Ticket.sla_next_check) <= now)
        .order_by(col(Ticket.sla_next_check))
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    fired = 0
    for ticket in rows:
        for alert in service.fire_due(ticket=ticket, now=now):
            kind = SLA_BREACHED if alert.kind == service.BREACHED else SLA_WARNING
            record(
                session,
                ticket=ticket,
                kind=kind,
                caller=ROUTING,
                clock=alert.clock,
                due=alert.due.isoformat(),
            )
            events.publish(
                session,
                events.DomainEvent(kind, ticket_id=ticket.id, data={"clock": alert.clock}),
            )
            fired += 1
        session.add(ticket)
    return fired, len(rows) == BATCH


def fire_overdue_referrals(session: Session, *, now: datetime) -> int:
    rows = session.exec(
        select(Referral)
        .where(
            Referral.status == ReferralStatus.pending,
            col(Referral.due_at) <= now,
            col(Referral.overdue_at).is_(None),
        )
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for referral in rows:
        referral.overdue_at = now
        session.add(referral)
        ticket = session.get(Ticket, referral.ticket_id)
        team = session.get(Team, referral.team_id)
        assert ticket is not None
        record(
            session,
            ticket=ticket,
            kind=REFERRAL_OVERDUE,
            caller=ROUTING,
            referral_id=referral.id,
            team=team.slug if team else None,
        )
        events.publish(
            session,
            events.DomainEvent(
                REFERRAL_OVERDUE, ticket_id=ticket.id, data={"referral_id": referral.id}
            ),
        )
    return len(rows)
