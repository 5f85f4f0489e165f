"""A send makes its network call between two transactions, never inside one.

The fake Twilio here holds its answer until the test lets it go, so a send is in flight for as
long as the test needs; what the test checks is what others can do meanwhile, never how fast.
The test plays the worker: jobs are held, not dispatched, and run with `run_job` in a thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

import pytest

from ccc.jobs.dispatch import Dispatcher, InlineDispatcher
from ccc.jobs.models import OutboxJob
from ccc.jobs.runner import LEASE, execute, run_job
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from tests.conftest import Harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi, Recorded, Reply, twilio_message
from tests.support.people import (
    TwilioPerson,
    message,
    notes,
    open_ticket,
    post_twilio,
    reply,
    send_job,
)

OTHER_PERSON = "+9647709876543"
TEXT = "We have called the hospital in Erbil."
WAIT = 10.0  # only ever reached when the behaviour under test is broken


class Gate:
    """Holds the fake API's answers to the first `hold` requests until `release` is set."""

    def __init__(self, hold: int = 1) -> None:
        self.hold = hold
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.waited_out = False

    def __call__(self, recorded: Recorded) -> Reply:
        if self.hold > 0:
            self.hold -= 1
            self.arrived.set()
            self.waited_out = not self.release.wait(WAIT)
        return twilio_message(recorded)


class Held:
    """A dispatcher that runs nothing: the test decides when, and by whom, jobs run."""

    def __init__(self) -> None:
        self.job_ids: list[int] = []

    def dispatch(self, job_ids: Sequence[int], *, background: bool = False) -> None:
        self.job_ids.extend(job_ids)


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi) -> Settings:
    return channel_settings(database_url, fake_twilio, None)


@pytest.fixture
def held_back(ccc: Harness) -> Dispatcher:
    """The harness's own dispatcher, for when a test stops holding jobs back."""
    return ccc.runtime.dispatcher


@pytest.fixture
def waiting_send(
    ccc: Harness, fake_twilio: FakeApi, agent: dict[str, str], held_back: Dispatcher
) -> Iterator[int]:
    """An agent's reply to an SMS ticket whose send job nobody has run yet; yields the job id."""
    reference = open_ticket(TwilioPerson(ccc, fake_twilio))
    fake_twilio.requests.clear()
    ccc.runtime.dispatcher = Held()
    message_id = reply(ccc, agent, reference, TEXT)
    assert message(ccc, message_id).status == "pending"
    job_id = send_job(ccc, message_id).id
    assert job_id is not None
    yield job_id
    ccc.runtime.dispatcher = held_back


@contextmanager
def in_flight(fake_twilio: FakeApi, job_id: int, gate: Gate | None = None) -> Iterator[Gate]:
    """A worker thread runs the job; inside the block, its call to Twilio has not returned."""
    gate = gate or Gate()
    fake_twilio.default = gate
    worker = threading.Thread(target=run_job, args=(job_id,))
    worker.start()
    try:
        assert gate.arrived.wait(WAIT), "the send never reached the fake Twilio"
        yield gate
    finally:
        gate.release.set()
        worker.join(WAIT)
    assert not worker.is_alive()
    assert not gate.waited_out, "the call was held until it timed out: something waited for it"


def sends(fake_twilio: FakeApi) -> list[str]:
    return [call.form["Body"] for call in fake_twilio.calls("Messages.json")]


def job(ccc: Harness, job_id: int) -> OutboxJob:
    with ccc.session() as session:
        found = session.get(OutboxJob, job_id)
        assert found is not None
        return found


def worker_dies_after_claiming(ccc: Harness, job_id: int) -> None:
    """The first phase commits; the worker never makes the call nor comes back."""
    with ccc.runtime.unit_of_work() as session:
        assert execute(session, job_id) is not None


def lease_runs_out(ccc: Harness, job_id: int) -> None:
    with ccc.session() as session:
        row = session.get(OutboxJob, job_id)
        assert row is not None and row.status == "running"
        row.lease_until = utcnow() - timedelta(seconds=1)
        session.add(row)
        session.commit()


def assert_sent_once(ccc: Harness, fake_twilio: FakeApi, job_id: int, attempts: int) -> None:
    assert sends(fake_twilio) == [TEXT]
    done = job(ccc, job_id)
    assert (done.status, done.attempts, done.lease_until) == ("done", attempts, None)
    sent = message(ccc, done.payload["message_id"])
    assert sent.status == "queued"
    assert sent.external_id is not None and sent.external_id.startswith("SM")


def test_other_requests_write_to_the_database_while_a_send_waits_for_twilio(
    ccc: Harness, fake_twilio: FakeApi, waiting_send: int
) -> None:
    with in_flight(fake_twilio, waiting_send):
        response = ccc.client.post(
            "/api/simulator/messages", json={"from": OTHER_PERSON, "text": "hello"}
        )
        assert response.status_code == 202, response.text
        # Nor are the send's own rows locked: NOWAIT fails at once on a held PostgreSQL lock.
        with ccc.session() as session:
            nowait = {"nowait": True}
            claimed = session.get(OutboxJob, waiting_send, with_for_update=nowait)
            assert claimed is not None
            assert session.get(Message, claimed.payload["message_id"], with_for_update=nowait)
            session.commit()
        assert (claimed.status, claimed.attempts) == ("running", 1)
        assert claimed.lease_until is not None and claimed.lease_until > utcnow()
    assert_sent_once(ccc, fake_twilio, waiting_send, attempts=1)
    assert [m["text"] for m in ccc.transcript(OTHER_PERSON)] == ["hello"]


def test_a_job_delivered_again_while_its_send_is_in_flight_is_not_sent_twice(
    ccc: Harness, fake_twilio: FakeApi, waiting_send: int
) -> None:
    with in_flight(fake_twilio, waiting_send):
        run_job(waiting_send)  # a second delivery: the sweep racing the first enqueue
        assert ccc.runtime.sweep(now=utcnow()) == 0
    assert_sent_once(ccc, fake_twilio, waiting_send, attempts=1)


def test_a_running_job_whose_lease_is_live_is_left_alone(
    ccc: Harness, fake_twilio: FakeApi, waiting_send: int
) -> None:
    worker_dies_after_claiming(ccc, waiting_send)
    assert ccc.runtime.sweep(now=utcnow()) == 0
    assert ccc.runtime.sweep(now=utcnow() + LEASE - timedelta(seconds=30)) == 0
    run_job(waiting_send)
    assert sends(fake_twilio) == []
    assert job(ccc, waiting_send).status == "running"
    assert message(ccc, job(ccc, waiting_send).payload["message_id"]).status == "pending"


def test_a_job_whose_worker_died_mid_send_is_run_again_once_its_lease_runs_out(
    ccc: Harness, fake_twilio: FakeApi, waiting_send: int, held_back: Dispatcher
) -> None:
    worker_dies_after_claiming(ccc, waiting_send)
    lease_runs_out(ccc, waiting_send)
    ccc.runtime.dispatcher = held_back
    assert ccc.runtime.sweep(now=utcnow()) == 1
    ccc.drain()
    assert_sent_once(ccc, fake_twilio, waiting_send, attempts=2)
    assert ccc.runtime.sweep(now=utcnow() + timedelta(hours=1)) == 0
    ccc.drain()
    assert sends(fake_twilio) == [TEXT]


def test_a_worker_that_dies_on_the_last_attempt_fails_the_message_with_a_note(
    ccc: Harness,
    fake_twilio: FakeApi,
    waiting_send: int,
    held_back: Dispatcher,
    agent: dict[str, str],
) -> None:
    with ccc.session() as session:
        row = session.get(OutboxJob, waiting_send)
        assert row is not None
        row.attempts = ccc.runtime.settings.send_attempts - 1
        session.add(row)
        session.commit()
    worker_dies_after_claiming(ccc, waiting_send)
    lease_runs_out(ccc, waiting_send)
    ccc.runtime.dispatcher = held_back
    assert ccc.runtime.sweep(now=utcnow()) == 1
    ccc.drain()

    failed = job(ccc, waiting_send)
    assert failed.status == "failed"
    assert "never finished" in (failed.last_error or "")
    gone = message(ccc, failed.payload["message_id"])
    assert (gone.status, gone.error_code) == ("failed", "retries_exhausted")
    assert sends(fake_twilio) == []
    reference = _reference(ccc, gone)
    assert any("could not be sent" in note for note in notes(ccc, agent, reference))


def test_a_send_that_outlived_its_lease_leaves_the_outcome_to_the_worker_that_took_over(
    ccc: Harness, fake_twilio: FakeApi, waiting_send: int
) -> None:
    with in_flight(fake_twilio, waiting_send):
        lease_runs_out(ccc, waiting_send)
        run_job(waiting_send)  # another worker takes the job over and sends again
        taken_over = job(ccc, waiting_send)
        assert (taken_over.status, taken_over.attempts) == ("done", 2)
        second_id = message(ccc, taken_over.payload["message_id"]).external_id
    # At least once: the person got the text twice, and the late first outcome changed nothing.
    assert sends(fake_twilio) == [TEXT, TEXT]
    final = job(ccc, waiting_send)
    assert (final.status, final.attempts) == ("done", 2)
    assert message(ccc, final.payload["message_id"]).external_id == second_id


def _reference(ccc: Harness, sent: Message) -> str:
    from ccc.tickets.models import Ticket

    with ccc.session() as session:
        ticket = session.get(Ticket, sent.ticket_id)
        assert ticket is not None
        return ticket.reference


def test_without_redis_a_webhook_is_answered_before_its_reply_is_sent(
    ccc: Harness, fake_twilio: FakeApi
) -> None:
    """Twilio waits 15 s for a webhook's answer; a slow reply must not make it redeliver."""
    if not isinstance(ccc.runtime.dispatcher, InlineDispatcher):
        pytest.skip("with Redis, replies are a worker's job anyway")
    gate = Gate()
    fake_twilio.default = gate
    person = TwilioPerson(ccc, fake_twilio)
    response = post_twilio(ccc.client, "/webhooks/twilio/messaging", person.message("hello"))
    assert response.status_code == 200
    assert gate.arrived.wait(WAIT), "the reply was never sent"
    assert not gate.release.is_set(), "the webhook answered while the reply was still held"
    gate.release.set()
    ccc.drain()
    assert not gate.waited_out
    assert [m["direction"] for m in ccc.transcript(person.number)] == ["in", "out"]
