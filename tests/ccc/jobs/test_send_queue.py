"""Replies never wait behind other people's turns; one person's turns run in order."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select, update

from ccc.jobs.dispatch import QUEUE_NAME, SEND_QUEUE_NAME, WORKER_QUEUES, RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.jobs.worker import CCCWorker
from ccc.kernel.timeutil import utcnow
from tests.conftest import TEST_REDIS_URL, Harness
from tests.support.waiting import wait_for

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")
ALI, ZAINAB = "+9647701234567", "+9647707654321"


def dispatcher_of(ccc: Harness) -> RQDispatcher:
    dispatcher = ccc.runtime.dispatcher
    assert isinstance(dispatcher, RQDispatcher)
    return dispatcher


def run_jobs(ccc: Harness, count: int) -> None:
    dispatcher = dispatcher_of(ccc)
    queues = [dispatcher.queues[name] for name in WORKER_QUEUES]
    CCCWorker(queues, connection=dispatcher.connection).work(burst=True, max_jobs=count)


def post(ccc: Harness, phone: str, text: str) -> None:
    response = ccc.client.post("/api/simulator/messages", json={"from": phone, "text": text})
    assert response.status_code == 202


def test_a_reply_goes_out_before_the_next_persons_turn(ccc: Harness) -> None:
    post(ccc, ALI, "hello")
    post(ccc, ZAINAB, "hello")
    assert dispatcher_of(ccc).queues[QUEUE_NAME].count == 2

    run_jobs(ccc, 1)  # Ali's turn, which schedules his reply
    assert dispatcher_of(ccc).queues[SEND_QUEUE_NAME].count == 1
    run_jobs(ccc, 1)  # his reply, ahead of Zainab's waiting turn
    assert [m["direction"] for m in ccc.transcript(ALI)] == ["in", "out"]
    assert [m["direction"] for m in ccc.transcript(ZAINAB)] == ["in"]
    ccc.drain()
    assert [m["direction"] for m in ccc.transcript(ZAINAB)] == ["in", "out"]


def test_the_sweep_hands_a_lost_send_back_to_the_send_queue(ccc: Harness) -> None:
    post(ccc, ALI, "hello")
    run_jobs(ccc, 1)
    dispatcher = dispatcher_of(ccc)
    dispatcher.connection.flushdb()  # Redis lost the send's job
    with ccc.session() as session:
        session.exec(
            update(OutboxJob)
            .where(col(OutboxJob.kind) == "send_message")
            .values(enqueued_at=None, created_at=utcnow() - timedelta(minutes=1))
        )
        session.commit()
    assert ccc.runtime.sweep(now=utcnow() + timedelta(minutes=10)) == 1
    assert dispatcher.queues[SEND_QUEUE_NAME].count == 1
    assert dispatcher.queues[QUEUE_NAME].count == 0
    ccc.drain()
    assert [m["direction"] for m in ccc.transcript(ALI)] == ["in", "out"]


@pytest.fixture
def two_workers(ccc: Harness, tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.update(
        CCC_DATABASE_URL=ccc.runtime.settings.database_url,
        CCC_REDIS_URL=TEST_REDIS_URL or "",
        CCC_PUBLIC_URL=ccc.runtime.settings.public_url,
    )
    pool = subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("ccc")), "worker", "--processes", "2"],
        env=env,
        stdout=(tmp_path / "workers.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    yield pool
    pool.send_signal(signal.SIGTERM)
    try:
        pool.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pool.kill()
        pool.wait()


def test_one_persons_turns_wait_for_the_order_lock_across_two_workers(
    ccc: Harness, two_workers: subprocess.Popen[bytes], tmp_path: Path
) -> None:
    post(ccc, ZAINAB, "hello")
    assert wait_for(lambda: len(ccc.transcript(ZAINAB)) == 2, 60), (
        tmp_path / "workers.log"
    ).read_text()
    with ccc.session() as session:
        [turn] = session.exec(select(OutboxJob).where(OutboxJob.kind == "process_inbound")).all()
    held = dispatcher_of(ccc).connection.lock(
        f"ccc:order:identity_id:{turn.payload['identity_id']}", timeout=60
    )
    # The worker keeps it until the turn's reply is sent, just after the reply is written.
    assert held.acquire(blocking=True, blocking_timeout=30)
    try:
        post(ccc, ZAINAB, "4")
        post(ccc, ALI, "hello")  # another person is not held up: the other worker answers
        assert wait_for(lambda: len(ccc.transcript(ALI)) == 2, 60)
        time.sleep(1)
        assert len(ccc.transcript(ZAINAB)) == 3  # written, not yet handled
    finally:
        held.release()
    assert wait_for(lambda: len(ccc.transcript(ZAINAB)) == 4, 60)
    assert ccc.transcript(ZAINAB)[-1]["text"].startswith("How can we help you?")


def test_many_people_writing_fast_each_get_their_answers_in_order(
    ccc: Harness, two_workers: subprocess.Popen[bytes]
) -> None:
    people = [f"+96477012300{n:02d}" for n in range(6)]
    for text in ("hello", "4", "1"):
        for phone in people:
            post(ccc, phone, text)
    for phone in people:
        assert wait_for(lambda phone=phone: len(ccc.transcript(phone)) == 6, 60)  # type: ignore[misc]
        transcript = ccc.transcript(phone)
        inbound = [m["text"] for m in transcript if m["direction"] == "in"]
        replies = [m["text"] for m in transcript if m["direction"] == "out"]
        assert inbound == ["hello", "4", "1"]
        assert "4 English" in replies[0]
        assert replies[1].startswith("How can we help you?")
        assert replies[2] not in replies[:2]
