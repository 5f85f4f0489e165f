"""A live event crosses from the process that handles a message to the web process serving
the console's stream (`GET /console/events`), within two seconds.

On Redis (the suite's second pass), the message's job is run by a real `ccc worker` in a
process of its own, and the web process's hub polls only every 30 s: the event can arrive
in time only through the worker's nudge on Redis and the `live_event` row it points to. On
SQLite without Redis (the first pass), another Python process runs the job, and the event
arrives through the `live_event` table alone, at the hub's next look."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from ccc.jobs.dispatch import Scheduled, as_scheduled
from ccc.live import hub
from tests.ccc.console.browsing import Browser, console_user
from tests.ccc.live.listening import Listener
from tests.conftest import TEST_REDIS_URL, Harness
from tests.flows import open_ticket

PHONE = "+9647701234568"
ROOT = Path(__file__).resolve().parents[3]
WITHIN = 2.0


class Holding:
    """A dispatcher that runs nothing here: the jobs wait in the outbox for the other process."""

    def __init__(self) -> None:
        self.held: list[int] = []

    def dispatch(self, jobs: Sequence[int | Scheduled], *, background: bool = False) -> None:
        self.held.extend(as_scheduled(job).id for job in jobs)


def _environment(ccc: Harness) -> dict[str, str]:
    settings = ccc.runtime.settings
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CCC_", "TWILIO_", "TELEGRAM_"))
    }
    environment.update(
        CCC_DATABASE_URL=settings.database_url,
        CCC_PUBLIC_URL=settings.public_url,
        CCC_SIMULATOR="true",
    )
    if TEST_REDIS_URL:
        environment["CCC_REDIS_URL"] = TEST_REDIS_URL
    return environment


class OtherProcess:
    """`ccc worker` on Redis; without Redis, a process that runs the jobs it is handed."""

    def __init__(self, ccc: Harness) -> None:
        self.ccc = ccc
        if TEST_REDIS_URL:
            command = [str(Path(sys.executable).parent / "ccc"), "worker"]
        else:
            command = [sys.executable, "-m", "tests.ccc.live.other_process"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_environment(ccc),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        if not TEST_REDIS_URL:
            assert self.process.stdout is not None
            assert self.process.stdout.readline().strip() == "ready"
            return
        from redis import Redis
        from rq import Worker

        connection = Redis.from_url(TEST_REDIS_URL)
        deadline = time.monotonic() + 60
        while not any(w.pid == self.process.pid for w in Worker.all(connection=connection)):
            assert self.process.poll() is None, "the worker stopped"
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.1)

    def run(self, job_ids: list[int]) -> None:
        if TEST_REDIS_URL:
            from ccc.jobs.dispatch import RQDispatcher

            RQDispatcher(TEST_REDIS_URL, self.ccc.engine).dispatch(job_ids)
            return
        assert self.process.stdin is not None
        self.process.stdin.write(" ".join(map(str, job_ids)) + "\n")
        self.process.stdin.flush()

    def stop(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def test_a_message_handled_in_another_process_reaches_the_console_stream_within_two_seconds(
    ccc: Harness,
    live_server: str,
    supervisor: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if TEST_REDIS_URL:
        monkeypatch.setattr(hub, "POLL_SECONDS", 30.0)  # only the nudge on Redis is in time
    alice = Browser.open(ccc)
    alice.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    reference = open_ticket(ccc, PHONE)
    response = ccc.client.patch(
        f"/api/tickets/{reference}", json={"assignee": "alice"}, headers=supervisor
    )
    assert response.status_code == 200, response.text
    ccc.drain()
    listener = Listener.start(live_server, alice)
    worker = OtherProcess(ccc)
    try:
        holding = Holding()
        monkeypatch.setattr(ccc.runtime, "dispatcher", holding)
        # The first message warms the other process up (its first job loads the flows); the
        # second is the one timed, as every message after it would be.
        for text in ("He was taken in Nasiriyah", "It was in March"):
            holding.held.clear()
            sent = ccc.client.post("/api/simulator/messages", json={"from": PHONE, "text": text})
            assert sent.status_code == 202, sent.text
            assert holding.held, "the message's job ran in this process"
            started = time.monotonic()
            worker.run(list(holding.held))
            event = listener.expect("ticket", within=20.0, kind="message", reference=reference)
            took = time.monotonic() - started
    finally:
        listener.close()
        worker.stop()

    assert (event["direction"], event["mine"]) == ("in", True)
    assert took < WITHIN, f"the event took {took:.2f} s to cross"
