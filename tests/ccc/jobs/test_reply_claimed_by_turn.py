"""A worker's turn claims its replies in its own transaction and sends them once it commits.

The guarantees are a send job's: a reply is sent once, in order, within its sender's pace; a
worker that dies between the turn's commit and the call leaves the reply claimed, and the sweep
sends it once its lease has run out. These run `ccc worker`'s dispatcher (`for_worker`) over
the test's Redis, in burst workers, with a fake Twilio.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import col, select, update

from ccc.channels import ratelimit
from ccc.jobs import runner
from ccc.jobs.dispatch import SEND_QUEUE_NAME, RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.jobs.worker import WorkerDispatcher, for_worker
from ccc.kernel.settings import Settings
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from tests.conftest import TEST_REDIS_URL, Harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import TwilioPerson

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")


@pytest.fixture
def settings(database_url: str, fake_twilio: FakeApi) -> Settings:
    return channel_settings(database_url, fake_twilio, None)


@pytest.fixture
def worker(ccc: Harness) -> Iterator[WorkerDispatcher]:
    """The harness's runtime as `ccc worker` runs it."""
    original = ccc.runtime.dispatcher
    for_worker(ccc.runtime)
    dispatcher = ccc.runtime.dispatcher
    assert isinstance(dispatcher, WorkerDispatcher)
    yield dispatcher
    ccc.runtime.dispatcher = original


def send_jobs(ccc: Harness) -> list[OutboxJob]:
    with ccc.session() as session:
        return list(
            session.exec(
                select(OutboxJob)
                .where(OutboxJob.kind == "send_message")
                .order_by(col(OutboxJob.id))
            ).all()
        )


def replies(ccc: Harness) -> list[Message]:
    with ccc.session() as session:
        return list(
            session.exec(
                select(Message).where(Message.direction == "out").order_by(col(Message.id))
            ).all()
        )


def sent_bodies(fake_twilio: FakeApi) -> list[str]:
    return [call.form["Body"] for call in fake_twilio.calls("Messages.json")]


def test_a_turns_reply_is_claimed_in_the_turn_and_sent_once(
    ccc: Harness, fake_twilio: FakeApi, worker: WorkerDispatcher
) -> None:
    commits = 0

    def count(*_args: object) -> None:
        nonlocal commits
        commits += 1

    TwilioPerson(ccc, fake_twilio).say("hello")
    [reply] = replies(ccc)
    assert reply.status == "queued"  # Twilio's word for it
    assert sent_bodies(fake_twilio) == [reply.text]
    [job] = send_jobs(ccc)
    assert (job.status, job.attempts, job.lease_until) == ("done", 1, None)
    assert worker.queues[SEND_QUEUE_NAME].count == 0

    event.listen(ccc.engine, "commit", count)
    try:
        TwilioPerson(ccc, fake_twilio).say("4")
    finally:
        event.remove(ccc.engine, "commit", count)
    # The webhook's, the turn's (its reply claimed in it) and the reply's outcome: no
    # transaction of the send's own to claim it.
    assert commits == 3
    assert [m.status for m in replies(ccc)] == ["queued", "queued"]
    assert len(sent_bodies(fake_twilio)) == 2


def test_a_worker_dead_between_the_turn_and_the_call_leaves_the_reply_to_the_lease(
    ccc: Harness,
    fake_twilio: FakeApi,
    worker: WorkerDispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as dead:
        dead.setattr(runner, "_send_claimed", lambda _runtime, _claims: None)
        TwilioPerson(ccc, fake_twilio).say("hello")
    [job] = send_jobs(ccc)
    assert job.status == "running" and job.lease_until is not None
    assert sent_bodies(fake_twilio) == []
    assert ccc.runtime.sweep() == 0  # claimed: not handed out while its lease runs

    with ccc.session() as session:
        session.execute(
            update(OutboxJob)
            .where(col(OutboxJob.id) == job.id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
        session.commit()
    assert ccc.runtime.sweep() == 1
    ccc.drain()
    [reply] = replies(ccc)
    assert reply.status == "queued"
    assert sent_bodies(fake_twilio) == [reply.text]
    [job] = send_jobs(ccc)
    assert job.status == "done"
    ccc.drain()
    assert len(sent_bodies(fake_twilio)) == 1


def test_a_reply_its_sender_has_no_token_for_goes_the_send_jobs_way(
    ccc: Harness,
    fake_twilio: FakeApi,
    worker: WorkerDispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with monkeypatch.context() as full:
        full.setattr(ratelimit, "take_token", lambda *_args, **_kw: ratelimit.Token(30.0))
        TwilioPerson(ccc, fake_twilio).say("hello")
    [job] = send_jobs(ccc)
    # Not claimed by the turn: deferred by its own attempt to the sender's pace, as before.
    assert job.status == "pending" and job.attempts == 0
    assert job.available_at > utcnow() + timedelta(seconds=10)
    assert sent_bodies(fake_twilio) == []
    assert isinstance(ccc.runtime.dispatcher, RQDispatcher)
