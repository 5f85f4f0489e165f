"""`ccc worker` against a Redis of its own that the test stops and starts again: the worker
must outlive the outage and answer the backlog, and the sweep must not hand out a job that is
still waiting in Redis."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ccc.jobs.dispatch import RQDispatcher
from ccc.kernel.db import make_engine
from tests.conftest import TEST_REDIS_URL, Harness, build_harness, make_settings
from tests.support.waiting import wait_for

pytestmark = pytest.mark.skipif(
    not TEST_REDIS_URL or shutil.which("redis-server") is None,
    reason="needs CCC_TEST_REDIS_URL and a redis-server to start and stop",
)
PHONE = "+9647701234567"


class OwnRedis:
    """A throwaway redis-server on a free port, so stopping it disturbs no other test."""

    def __init__(self, folder: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_for(self.answers, 10), "redis-server did not start"

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)
        assert wait_for(lambda: not self.answers(), 10)

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[OwnRedis]:
    own = OwnRedis(tmp_path)
    own.start()
    yield own
    if own.process is not None and own.process.poll() is None:
        own.process.kill()
        own.process.wait(timeout=10)


@pytest.fixture
def centre(database_url: str, redis: OwnRedis) -> Iterator[Harness]:
    yield from build_harness(make_settings(database_url, redis_url=redis.url))


def start_worker(centre: Harness, redis: OwnRedis, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TELEGRAM_"))}
    env.update(
        CCC_DATABASE_URL=centre.runtime.settings.database_url,
        CCC_REDIS_URL=redis.url,
        CCC_PUBLIC_URL=centre.runtime.settings.public_url,
    )
    return subprocess.Popen(  # noqa: S603
        [str(Path(sys.executable).with_name("ccc")), "worker"],
        env=env,
        # A file, not a pipe: a pipe nobody reads fills up and freezes the worker.
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def test_the_worker_outlives_a_redis_restart_and_answers_the_backlog(
    centre: Harness, redis: OwnRedis, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    worker = start_worker(centre, redis, log)
    try:
        centre.client.post("/api/simulator/messages", json={"from": PHONE, "text": "hello"})
        assert wait_for(lambda: len(centre.transcript(PHONE)) == 2, 30)

        redis.stop()
        time.sleep(3)  # long enough for RQ's work loop to notice and quit
        assert worker.poll() is None, "the worker exited when Redis went away"
        accepted = centre.client.post("/api/simulator/messages", json={"from": PHONE, "text": "4"})
        assert accepted.status_code == 202  # stored; the job waits in the outbox

        redis.start()
        assert wait_for(lambda: len(centre.transcript(PHONE)) == 4, 60)
        assert centre.transcript(PHONE)[-1]["text"].startswith("How can we help you?")
        assert worker.poll() is None
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            output = log.read_text(errors="replace")
            pytest.fail(f"the worker did not stop on SIGTERM:\n{output[-3000:]}")


def test_a_job_still_waiting_in_redis_is_not_handed_out_twice(redis: OwnRedis) -> None:
    engine = make_engine("sqlite://")
    dispatcher = RQDispatcher(redis.url, engine)
    dispatcher.dispatch([41])
    dispatcher.dispatch([41])  # the sweep finds the row again before a worker took it
    assert dispatcher.queue.count == 1


def test_of_all_workers_one_sweeps_at_a_time(redis: OwnRedis) -> None:
    engine = make_engine("sqlite://")
    first, second = RQDispatcher(redis.url, engine), RQDispatcher(redis.url, engine)
    with first.exclusive("sweep") as mine, second.exclusive("sweep") as theirs:
        assert (mine, theirs) == (True, False)
    with second.exclusive("sweep") as theirs:
        assert theirs
