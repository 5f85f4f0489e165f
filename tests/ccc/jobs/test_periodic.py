"""The periodic work: quiet resolved tickets close, abandoned intakes are forgotten."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from ccc.conversations.models import Conversation
from ccc.jobs.periodic import close_quiet_tickets, forget_abandoned_intakes
from ccc.kernel.timeutil import utcnow
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"


def test_resolved_tickets_close_after_a_quiet_week(ccc: Harness, agent: dict[str, str]) -> None:
    quiet = open_ticket(ccc, PHONE)
    recent = open_ticket(ccc, "+9647701234568")
    for reference in (quiet, recent):
        ccc.client.patch(f"/api/tickets/{reference}", json={"status": "resolved"}, headers=agent)
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == quiet)).one()
        ticket.resolved_at = utcnow() - timedelta(days=8)
        session.add(ticket)
        session.commit()
    assert close_quiet_tickets() == 1
    statuses = {
        ref: ccc.client.get(f"/api/tickets/{ref}", headers=agent).json()["status"]
        for ref in (quiet, recent)
    }
    assert statuses == {quiet: "closed", recent: "resolved"}
    timeline = ccc.client.get(f"/api/tickets/{quiet}/timeline", headers=agent).json()
    closing = [e for e in timeline if e.get("kind") == "status_changed" and e["actor"] == "routing"]
    assert [e["data"] for e in closing] == [
        {"from": "resolved", "to": "closed", "reason": "quiet period"}
    ]


def test_an_abandoned_intake_is_forgotten_once_it_expires(ccc: Harness) -> None:
    ccc.say(PHONE, "hello")
    ccc.say(PHONE, "4")
    ccc.say(PHONE, "1")
    ccc.say(PHONE, "1")  # the privacy notice: continue
    ccc.say(PHONE, "Layla Hassan")
    assert forget_abandoned_intakes() == 0
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).one()
        assert conversation.answers["enquirer_name"] == "Layla Hassan"
        conversation.expires_at = utcnow() - timedelta(minutes=1)
        session.add(conversation)
        session.commit()
    assert forget_abandoned_intakes() == 1
    with ccc.session() as session:
        conversation = session.exec(select(Conversation)).one()
        assert conversation.answers == {} and conversation.step is None
