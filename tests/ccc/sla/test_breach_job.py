"""The breach job: run as `ccc worker` runs it (enqueued on RQ, a burst worker) when Redis is
set, in process otherwise; it fires each warning and breach once, and the queue finds them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from ccc.jobs.dispatch import RQDispatcher
from ccc.kernel.timeutil import utcnow
from ccc.sla import service
from ccc.sla.tasks import check_slas
from ccc.tickets.models import Ticket
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"


def run_breach_job(ccc: Harness, now: datetime | None = None) -> None:
    dispatcher = ccc.runtime.dispatcher
    if isinstance(dispatcher, RQDispatcher):
        from rq import SimpleWorker

        dispatcher.queue.enqueue(check_slas, now, result_ttl=0)
        SimpleWorker([dispatcher.queue], connection=dispatcher.connection).work(burst=True)
    else:
        check_slas(now)


def age(ccc: Harness, reference: str, hours: float) -> None:
    """The ticket came in `hours` ago: its clocks are worked out again from then."""
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        ticket.created_at = utcnow() - timedelta(hours=hours)
        service.recalculate(ticket=ticket)
        session.add(ticket)
        session.commit()


def sla_events(ccc: Harness, reference: str, headers: dict[str, str]) -> list[Any]:
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=headers).json()
    return [
        (e["kind"], e["data"]["clock"])
        for e in timeline
        if (e.get("kind") or "").startswith("sla.")
    ]


def breached(ccc: Harness, headers: dict[str, str]) -> list[str]:
    page = ccc.client.get("/api/tickets", params={"sla": "breached"}, headers=headers).json()
    return [t["reference"] for t in page["items"]]


def test_a_breach_is_found_fired_once_and_listed(ccc: Harness, supervisor: dict[str, str]) -> None:
    late = open_ticket(ccc, PHONE)
    fresh = open_ticket(ccc, "+9647701234568")
    # The shipped default (calendar `always` for this check): weeks old is late on any calendar.
    age(ccc, late, hours=24 * 30)
    run_breach_job(ccc)
    run_breach_job(ccc)  # a second run (another worker's cron) fires nothing again
    assert sla_events(ccc, late, supervisor) == [
        ("sla.breached", "first_response"),
        ("sla.breached", "resolution"),
    ]
    assert sla_events(ccc, fresh, supervisor) == []
    assert breached(ccc, supervisor) == [late]


def test_a_warning_comes_before_the_breach(ccc: Harness, supervisor: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        [warning] = [a for a in service.alerts(ticket) if a.name == "first_response.warning"]
    run_breach_job(ccc, now=warning.at - timedelta(seconds=1))
    assert sla_events(ccc, reference, supervisor) == []
    run_breach_job(ccc, now=warning.at)
    assert sla_events(ccc, reference, supervisor) == [("sla.warning", "first_response")]
    run_breach_job(ccc, now=warning.due)
    assert sla_events(ccc, reference, supervisor) == [
        ("sla.warning", "first_response"),
        ("sla.breached", "first_response"),
    ]


def test_an_answered_ticket_does_not_breach_its_first_response(
    ccc: Harness, agent: dict[str, str], supervisor: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.client.post(f"/api/tickets/{reference}/replies", json={"text": "Hello"}, headers=agent)
    age(ccc, reference, hours=24 * 30)
    run_breach_job(ccc)
    assert sla_events(ccc, reference, supervisor) == [("sla.breached", "resolution")]


def test_a_pending_ticket_does_not_breach(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, PHONE)
    ccc.client.patch(f"/api/tickets/{reference}", json={"status": "pending"}, headers=agent)
    age(ccc, reference, hours=24 * 30)
    run_breach_job(ccc)
    assert sla_events(ccc, reference, agent) == []
    assert breached(ccc, agent) == []


def test_a_priority_change_through_the_api_moves_the_due_times(
    ccc: Harness, agent: dict[str, str]
) -> None:
    reference = open_ticket(ccc, PHONE)
    before = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    ccc.client.patch(f"/api/tickets/{reference}", json={"priority": "urgent"}, headers=agent)
    after = ccc.client.get(f"/api/tickets/{reference}", headers=agent).json()
    created = before["created_at"]
    assert after["first_response_due"] != before["first_response_due"]
    # Urgent counts every hour (calendar `always`): two hours after creation, to the second.
    gap = datetime.fromisoformat(after["first_response_due"]) - datetime.fromisoformat(created)
    assert gap == timedelta(hours=2)


def test_an_unaccepted_referral_is_overdue_once(ccc: Harness, supervisor: dict[str, str]) -> None:
    from ccc.referrals.models import Referral

    reference = open_ticket(ccc, PHONE)
    response = ccc.client.post(
        f"/api/tickets/{reference}/referrals", json={"team": "tracing"}, headers=supervisor
    )
    assert response.status_code in (200, 201), response.text
    assert response.json()["due_at"] is not None
    with ccc.session() as session:
        referral = session.exec(select(Referral)).one()
        referral.due_at = utcnow() - timedelta(minutes=1)
        session.add(referral)
        session.commit()
    run_breach_job(ccc)
    run_breach_job(ccc)
    timeline = ccc.client.get(f"/api/tickets/{reference}/timeline", headers=supervisor).json()
    overdue = [e for e in timeline if e.get("kind") == "referral.overdue"]
    assert [e["data"]["team"] for e in overdue] == ["tracing"]
