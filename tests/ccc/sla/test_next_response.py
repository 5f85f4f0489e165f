"""The next-response clock: after an agent's reply, the person's next message must be answered
within the policy's `next_response`, in business hours; it fires its warning and breach once
through the breach job and is cleared by the agent's next reply."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from ccc.sla import policy, service
from ccc.tickets.models import Ticket
from tests.ccc.sla.test_breach_job import breached, run_breach_job, sla_events
from tests.ccc.sla.test_due_times import CALENDARS, _lines, baghdad, ticket
from tests.conftest import Harness
from tests.flows import open_ticket
from workflows.calendars.hours import parse_calendars
from workflows.files.library import current
from workflows.files.rulebook import parse_documents

RULES = """
sla:
  default: {first_response: 8h, next_response: 4h, resolution: 40h, calendar: centre}
  priority:
    urgent: {first_response: 2h, next_response: 1h, resolution: 24h, calendar: always}
"""
PHONE = "+9647701239001"


@pytest.fixture
def next_response_policy() -> Iterator[None]:
    calendars, problems = parse_calendars(_lines(CALENDARS), "calendars.yaml")
    assert calendars is not None, problems
    book, problems = parse_documents([(_lines(RULES), "rules.yaml")], calendars)
    assert book is not None, problems
    policy.use(lambda: book.sla)
    yield
    policy.use(lambda: current().rules.sla)


def answered_on_thursday() -> Ticket:
    """A ticket of Thursday 3 December 2026, 09:00, that an agent answered at 10:00."""
    new = ticket(baghdad(2026, 12, 3, 9, 0))
    new.status = "open"
    new.first_response_at = baghdad(2026, 12, 3, 10, 0)
    service.schedule_next(ticket=new)
    return new


@pytest.mark.usefixtures("next_response_policy")
def test_a_message_after_the_reply_is_due_after_the_weekend() -> None:
    new = answered_on_thursday()
    assert new.next_response_due is None  # nobody waits yet
    # The person writes on Thursday at 13:00: one hour is left that day (it closes at 14:00),
    # Friday and Saturday are the weekend, the other three hours run from Sunday 08:00.
    service.awaiting_reply(ticket=new, since=baghdad(2026, 12, 3, 13, 0))
    assert new.next_response_due == baghdad(2026, 12, 6, 11, 0)
    # A second message before the reply does not move it.
    service.awaiting_reply(ticket=new, since=baghdad(2026, 12, 5, 20, 0))
    assert new.next_response_due == baghdad(2026, 12, 6, 11, 0)


@pytest.mark.usefixtures("next_response_policy")
def test_the_next_response_warns_then_breaches_once_each() -> None:
    new = answered_on_thursday()
    service.awaiting_reply(ticket=new, since=baghdad(2026, 12, 3, 13, 0))
    # 80% of 4 h is 3 h 12 min: 1 h on Thursday, 2 h 12 min on Sunday.
    warn = baghdad(2026, 12, 6, 10, 12)
    fired = service.fire_due(ticket=new, now=warn - timedelta(minutes=1))
    assert [a.name for a in fired] == []
    assert [a.name for a in service.fire_due(ticket=new, now=warn)] == ["next_response.warning"]
    assert service.fire_due(ticket=new, now=warn) == []
    [breach] = service.fire_due(ticket=new, now=baghdad(2026, 12, 6, 11, 0))
    assert (breach.name, breach.due) == ("next_response.breached", baghdad(2026, 12, 6, 11, 0))
    assert service.fire_due(ticket=new, now=baghdad(2026, 12, 6, 15, 0)) == []


@pytest.mark.usefixtures("next_response_policy")
def test_the_reply_clears_it_and_the_next_message_starts_a_new_wait() -> None:
    new = answered_on_thursday()
    service.awaiting_reply(ticket=new, since=baghdad(2026, 12, 3, 13, 0))
    service.fire_due(ticket=new, now=baghdad(2026, 12, 6, 11, 0))
    service.answered(ticket=new)
    assert (new.next_response_since, new.next_response_due) == (None, None)
    assert all(not a.name.startswith("next_response") for a in service.alerts(new))
    # Monday 9:00: a new wait, with its own warning and breach.
    service.awaiting_reply(ticket=new, since=baghdad(2026, 12, 7, 9, 0))
    assert new.next_response_due == baghdad(2026, 12, 7, 13, 0)
    names = [a.name for a in service.alerts(new)]
    assert names[:2] == ["next_response.warning", "next_response.breached"]


@pytest.mark.usefixtures("next_response_policy")
def test_time_pending_after_the_message_does_not_count_but_earlier_pauses_do_not_either() -> None:
    new = answered_on_thursday()
    # Pending on the person on Thursday from 10:00 to 11:00, before anything waited.
    new.status = "pending"
    service.pause(ticket=new, now=baghdad(2026, 12, 3, 10, 0))
    new.status = "open"
    service.resume(ticket=new, now=baghdad(2026, 12, 3, 11, 0))
    service.awaiting_reply(ticket=new, since=baghdad(2026, 12, 6, 8, 0))
    assert new.next_response_due == baghdad(2026, 12, 6, 12, 0)  # the old pause is not added
    new.status = "pending"
    service.pause(ticket=new, now=baghdad(2026, 12, 6, 9, 0))
    assert service.alerts(new) == []
    new.status = "open"
    service.resume(ticket=new, now=baghdad(2026, 12, 6, 10, 0))
    assert new.next_response_due == baghdad(2026, 12, 6, 13, 0)


@pytest.mark.usefixtures("next_response_policy")
def test_an_urgent_ticket_counts_every_hour_of_the_weekend() -> None:
    new = answered_on_thursday()
    new.priority = "urgent"
    service.recalculate(ticket=new, now=baghdad(2026, 12, 3, 10, 0))
    service.awaiting_reply(ticket=new, since=baghdad(2026, 12, 4, 22, 30))  # Friday night
    assert new.next_response_due == baghdad(2026, 12, 4, 23, 30)


def test_no_next_response_in_the_policy_means_no_clock() -> None:
    new = answered_on_thursday()
    policy.use(policy.BuiltIn)
    try:
        service.awaiting_reply(ticket=new, since=baghdad(2026, 12, 3, 13, 0))
        assert new.next_response_due is None
    finally:
        policy.use(lambda: current().rules.sla)


def test_the_breach_job_finds_an_unanswered_follow_up(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    """Through the whole product: an agent replies, the person writes again, nobody answers."""
    reference = open_ticket(ccc, PHONE)
    url = f"/api/tickets/{reference}"
    assert ccc.client.post(f"{url}/replies", json={"text": "Hello"}, headers=supervisor).is_success
    assert ccc.client.get(url, headers=supervisor).json()["next_response_due"] is None
    ccc.say(PHONE, "Any news about my brother?")
    assert ccc.client.get(url, headers=supervisor).json()["next_response_due"] is not None
    run_breach_job(ccc)
    assert sla_events(ccc, reference, supervisor) == []
    assert breached(ccc, supervisor) == []
    # The message has waited a month (the shipped 8 working hours are long past).
    with ccc.session() as session:
        found = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        assert found.next_response_since is not None
        found.next_response_since -= timedelta(days=30)
        service.recalculate(ticket=found)
        session.add(found)
        session.commit()
    run_breach_job(ccc)
    run_breach_job(ccc)  # another worker's cron: nothing fires twice
    assert sla_events(ccc, reference, supervisor) == [("sla.breached", "next_response")]
    assert breached(ccc, supervisor) == [reference]
    # The agent answers: the wait is over.
    assert ccc.client.post(f"{url}/replies", json={"text": "Soon"}, headers=supervisor).is_success
    assert ccc.client.get(url, headers=supervisor).json()["next_response_due"] is None


def test_a_resolved_ticket_owes_no_reply_and_a_reopening_message_starts_afresh(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    phone = "+9647701239002"
    reference = open_ticket(ccc, phone)
    url = f"/api/tickets/{reference}"
    assert ccc.client.post(f"{url}/replies", json={"text": "Hello"}, headers=supervisor).is_success
    ccc.say(phone, "Any news?")
    with ccc.session() as session:
        found = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        found.next_response_since = found.created_at - timedelta(days=30)  # long unanswered
        service.recalculate(ticket=found)
        session.add(found)
        session.commit()
    resolved = ccc.client.patch(url, json={"status": "resolved"}, headers=supervisor)
    assert resolved.status_code == 200, resolved.text
    assert ccc.client.get(url, headers=supervisor).json()["next_response_due"] is None
    ccc.say(phone, "It is not solved, he is still missing")  # reopens the ticket
    ticket = ccc.client.get(url, headers=supervisor).json()
    assert ticket["status"] == "open"
    run_breach_job(ccc)
    assert ("sla.breached", "next_response") not in sla_events(ccc, reference, supervisor)
    assert ticket["next_response_due"] is not None
