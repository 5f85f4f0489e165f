"""A send put off by its sender's pace leaves at its due time, queued by the workers' scheduler
(RQ's scheduled registry), not at the next outbox sweep after it: the sweep looks every 5 s
and leaves a row alone for `FRESH_GRACE` (10 s) after its creation. A real `ccc worker`
process, PostgreSQL or SQLite, real Redis and the local fake Twilio API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlmodel import Session, col, select

from ccc.contacts.service import get_or_create_identity
from ccc.jobs.models import OutboxJob
from ccc.kernel.timeutil import utcnow
from ccc.messages.service import SEND_MESSAGE, queue_outbound
from tests.conftest import TEST_REDIS_URL, Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.workers import start_worker, stop_worker

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")

TEXT = "Your case is with the tracing team."
# RQ keeps due times in whole seconds and its scheduler looks once a second; the rest is the
# worker's turn-around on a machine shared with other test runs.
LATE_AT_MOST = 1.75


@pytest.fixture
def one_a_second(
    database_url: str, fake_twilio: FakeApi, fake_telegram: FakeApi
) -> Iterator[Harness]:
    """CCC whose SMS number sends one message a second, one at a time (a bucket of one)."""
    settings = channel_settings(
        database_url, fake_twilio, fake_telegram, send_rate_sms=1.0, send_burst_seconds=1.0
    )
    yield from build_harness(settings)


def queue_texts(ccc: Harness, phones: list[str]) -> None:
    with ccc.runtime.unit_of_work() as session:
        for phone in phones:
            identity = get_or_create_identity(session, channel="sms", address=phone)
            queue_outbound(session, identity=identity, text=TEXT)


def watch_sends(fake: FakeApi, count: int, seconds: float) -> list[datetime]:
    """When each of the first `count` calls reached the fake Twilio (polled every 20 ms)."""
    seen: list[datetime] = []
    deadline = time.monotonic() + seconds
    while len(seen) < count and time.monotonic() < deadline:
        calls = len(fake.calls("Messages.json"))
        seen.extend([utcnow()] * (calls - len(seen)))
        time.sleep(0.02)
    return seen


def send_jobs(ccc: Harness) -> list[OutboxJob]:
    with Session(ccc.engine) as session:
        return list(
            session.exec(
                select(OutboxJob)
                .where(OutboxJob.kind == SEND_MESSAGE)
                .order_by(col(OutboxJob.available_at))
            ).all()
        )


def test_a_deferred_send_leaves_within_a_second_or_so_of_its_due_time(
    one_a_second: Harness, fake_twilio: FakeApi
) -> None:
    ccc = one_a_second
    worker = start_worker(ccc, fake_twilio, CCC_SEND_RATE_SMS="1", CCC_SEND_BURST="1")
    try:
        # The worker is up (and holds RQ's scheduler lock) once a first message has left.
        queue_texts(ccc, ["+9647700000100"])
        assert len(watch_sends(fake_twilio, 1, seconds=120)) == 1
        time.sleep(1.5)  # its token is back
        began = utcnow()
        queue_texts(ccc, ["+9647700000101", "+9647700000102", "+9647700000103"])
        seen = watch_sends(fake_twilio, 4, seconds=30)[1:]
    finally:
        stop_worker(worker)

    assert len(seen) == 3, f"only {len(seen)} of 3 sends left in 30 s"
    jobs = send_jobs(ccc)[1:]
    assert [job.status for job in jobs] == ["done"] * 3
    assert all(job.attempts == 1 for job in jobs), "waiting for a token is no attempt"
    # The first leaves at once; the others were put off, and their rows keep the last due time.
    due = sorted(job.available_at for job in jobs)[1:]
    late = [(sent - when).total_seconds() for sent, when in zip(seen[1:], due, strict=True)]
    print(f"sent {[(t - began).total_seconds() for t in seen]} s after queueing; late {late}")
    assert all(lateness <= LATE_AT_MOST for lateness in late), late
    # Before, the sweep found them only past FRESH_GRACE (10 s) after the rows' creation.
    assert (seen[-1] - began).total_seconds() < 8
