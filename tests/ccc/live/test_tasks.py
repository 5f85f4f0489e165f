"""Live events are signals for open streams: the hourly cleanup keeps the last minutes only."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from ccc.kernel.timeutil import utcnow
from ccc.live.models import LiveEvent
from ccc.live.tasks import forget_old
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import open_ticket


def test_the_cleanup_forgets_old_events_and_keeps_recent_ones(ccc: Harness) -> None:
    reference = open_ticket(ccc, "+9647701234567")
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        assert ticket.id is not None
        kinds = {row.kind for row in session.exec(select(LiveEvent)).all()}
        assert "ticket" in kinds  # the new ticket was announced
        session.add(
            LiveEvent(ticket_id=ticket.id, kind="status", created_at=utcnow() - timedelta(hours=1))
        )
        session.commit()
        before = len(session.exec(select(LiveEvent)).all())
        assert forget_old(session) == 1
        session.commit()
        assert len(session.exec(select(LiveEvent)).all()) == before - 1
