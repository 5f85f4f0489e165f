"""A surge of webhooks runs at most `CCC_WEBHOOK_THREADS` transactions at once; the others wait
their turn on the event loop, and every one of them is answered and stored."""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import cast

import anyio
import pytest

from ccc.kernel.runtime import Runtime
from ccc.kernel.settings import Settings
from ccc.kernel.web import in_webhook_thread, webhook_slots
from tests.conftest import Harness, build_harness
from tests.support.channel_fixtures import channel_settings
from tests.support.fakes import FakeApi
from tests.support.people import TwilioPerson, messages, post_twilio


class Overlap:
    """How many calls of `work` were inside it at once, at most."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inside = 0
        self.most = 0

    def work(self, value: int) -> int:
        with self.lock:
            self.inside += 1
            self.most = max(self.most, self.inside)
        time.sleep(0.02)
        with self.lock:
            self.inside -= 1
        return value * 2


def a_runtime(threads: int) -> Runtime:
    return cast(Runtime, SimpleNamespace(settings=Settings(webhook_threads=threads)))


def test_no_more_webhooks_run_at_once_than_the_setting_allows() -> None:
    overlap = Overlap()
    runtime = a_runtime(3)
    results: list[int] = []

    async def one(value: int) -> None:
        results.append(await in_webhook_thread(runtime, overlap.work, value))

    async def surge() -> None:
        async with anyio.create_task_group() as group:
            for value in range(12):
                group.start_soon(one, value)

    anyio.run(surge)
    assert overlap.most == 3
    assert sorted(results) == [value * 2 for value in range(12)]


def test_a_webhook_s_error_and_context_come_back_to_its_request() -> None:
    """The thread runs the work in the request's context (its log fields, say) and a failure
    reaches the request as the exception the work raised."""
    asked: contextvars.ContextVar[str] = contextvars.ContextVar("asked")
    runtime = a_runtime(2)

    def fails() -> None:
        raise LookupError(f"no call for {asked.get()}")

    async def request() -> str:
        asked.set("CA123")
        try:
            await in_webhook_thread(runtime, fails)
        except LookupError as exc:
            return str(exc)
        return "no error"

    assert anyio.run(request) == "no call for CA123"


def test_the_oldest_wait_counts_the_requests_no_thread_has_taken_yet() -> None:
    release = threading.Event()
    runtime = a_runtime(1)
    waits: list[float] = []

    async def surge() -> None:
        slots = webhook_slots(runtime)
        async with anyio.create_task_group() as group:
            group.start_soon(in_webhook_thread, runtime, release.wait)
            group.start_soon(in_webhook_thread, runtime, time.sleep, 0)
            await anyio.sleep(0.2)
            waits.append(slots.oldest_wait())  # the second waits behind the first
            release.set()
        waits.append(slots.oldest_wait())

    anyio.run(surge)
    assert waits[0] >= 0.15
    assert waits[1] == 0.0


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().webhook_threads == 4
    monkeypatch.setenv("CCC_WEBHOOK_THREADS", "2")
    assert Settings().webhook_threads == 2
    monkeypatch.setenv("CCC_WEBHOOK_THREADS", "0")
    with pytest.raises(ValueError):
        Settings()


@pytest.fixture
def one_thread(database_url: str, fake_twilio: FakeApi) -> Iterator[Harness]:
    settings = channel_settings(database_url, fake_twilio, None, webhook_threads=1)
    yield from build_harness(settings)


def test_a_burst_past_the_limit_is_answered_and_stored_whole(
    one_thread: Harness, fake_twilio: FakeApi
) -> None:
    people = [
        TwilioPerson(one_thread, fake_twilio, number=f"+96477012{index:05d}") for index in range(12)
    ]

    def write(person: TwilioPerson) -> int:
        form = person.message("مرحبا")
        return post_twilio(one_thread.client, "/webhooks/twilio/messaging", form).status_code

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(write, people))
    assert answers == [200] * 12
    one_thread.drain()
    stored = {m.text for m in messages(one_thread, direction="in")}
    assert stored == {"مرحبا"}
    assert len(messages(one_thread, direction="in")) == 12
