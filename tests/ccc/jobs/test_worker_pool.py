"""Workers that run jobs in their own process: a pool under a supervisor, recycling, timeouts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from ccc.jobs.dispatch import RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.jobs.outbox import schedule
from ccc.jobs.registry import KINDS, JobKind
from ccc.jobs.worker import CCCWorker
from ccc.kernel.timeutil import utcnow
from tests.conftest import TEST_REDIS_URL, Harness
from tests.support.waiting import wait_for

pytestmark = pytest.mark.skipif(not TEST_REDIS_URL, reason="needs CCC_TEST_REDIS_URL")
PHONE = "+9647701234567"


@pytest.fixture
def start(ccc: Harness, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def launch(*args: str, **extra_env: str) -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
        env.update(
            CCC_DATABASE_URL=ccc.runtime.settings.database_url,
            CCC_REDIS_URL=TEST_REDIS_URL or "",
            CCC_PUBLIC_URL=ccc.runtime.settings.public_url,
            **extra_env,
        )
        process = subprocess.Popen(  # noqa: S603
            [str(Path(sys.executable).with_name("ccc")), "worker", *args],
            env=env,
            stdout=(tmp_path / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield launch
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(word) for word in text.split()]


def answered(ccc: Harness, count: int) -> Callable[[], bool]:
    return lambda: len(ccc.transcript(PHONE)) == count


def test_a_pool_replaces_a_killed_worker_and_stops_cleanly_on_sigterm(
    ccc: Harness, start: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    pool = start("--processes", "2")
    assert wait_for(lambda: len(children(pool.pid)) == 2, 30)
    ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": "hello"})
    assert wait_for(answered(ccc, 2), 30), (tmp_path / "worker.log").read_text()

    first, second = children(pool.pid)
    os.kill(first, signal.SIGKILL)
    assert wait_for(lambda: len(children(pool.pid)) == 2 and first not in children(pool.pid), 30)
    ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": "4"})
    # The new worker's cron hands out its periodic jobs ahead of the turn: on a loaded machine
    # they take a while.
    assert wait_for(answered(ccc, 4), 90), (tmp_path / "worker.log").read_text()[-3000:]
    assert ccc.transcript(PHONE)[-1]["text"].startswith("How can we help you?")

    survivors = children(pool.pid)
    pool.send_signal(signal.SIGTERM)
    assert pool.wait(timeout=30) == 0
    assert not [pid for pid in survivors if Path(f"/proc/{pid}").exists()]


def test_a_lone_worker_replaces_itself_after_its_jobs_and_answers_on(
    ccc: Harness, start: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    # The cron hands out its six periodic jobs at start; the turn (which sends its reply
    # itself) makes seven.
    worker = start(CCC_WORKER_MAX_JOBS="7")
    ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": "hello"})
    assert wait_for(answered(ccc, 2), 30), log.read_text()
    assert wait_for(lambda: "stops to be replaced" in log.read_text(), 30)
    ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": "4"})
    assert wait_for(answered(ccc, 4), 90), log.read_text()
    assert worker.poll() is None  # the same process id, started again
    assert log.read_text().count("started with PID") >= 2


def test_a_job_that_hangs_is_killed_by_the_timeout_and_retried(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatcher = ccc.runtime.dispatcher
    assert isinstance(dispatcher, RQDispatcher)
    monkeypatch.setattr(dispatcher, "job_timeout", 1)
    runs: list[str] = []

    def hang(session: Session, **_payload: Any) -> None:
        runs.append("hang")
        if len(runs) == 1:
            time.sleep(30)

    monkeypatch.setitem(KINDS, "test_hang", JobKind("test_hang", 5, None, handler=hang))
    with ccc.runtime.unit_of_work() as session:
        job_id = schedule(session, "test_hang").id

    began = time.monotonic()
    CCCWorker([dispatcher.queue], connection=dispatcher.connection).work(burst=True)
    assert time.monotonic() - began < 15
    with ccc.session() as session:
        job = session.get(OutboxJob, job_id)
        assert job is not None
        assert (job.status, job.attempts) == ("pending", 1)
        assert "Timeout" in (job.last_error or "")

    assert ccc.runtime.sweep(now=utcnow() + timedelta(minutes=10)) == 1
    ccc.drain()
    with ccc.session() as session:
        jobs = session.exec(select(OutboxJob).where(OutboxJob.id == job_id)).all()
        assert [(j.status, j.attempts) for j in jobs] == [("done", 2)]
