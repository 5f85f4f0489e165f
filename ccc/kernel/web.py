"""The request dependencies every HTTP route needs, the core's and the adapters' alike: the
process's runtime, its settings, and a session that owns the transaction. It commits before the
response is sent (scope="function") and only then hands the transaction's jobs to the
dispatcher, so a 200 always means the work is durable. Adapters in `bots/` take these from
here, never from the composition root (`ccc.api`)."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

import anyio
from anyio import to_thread
from fastapi import Depends, Request
from sqlmodel import Session

from ccc.kernel.runtime import Runtime
from ccc.kernel.settings import Settings


# The two lookups are `async def`: FastAPI runs a plain `def` dependency in its thread pool, a
# hop there and back per request for reading an attribute.
async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    with runtime.unit_of_work() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


T = TypeVar("T")


class WebhookSlots:
    """The webhook threads of one event loop, and how long the oldest request waiting for one
    has waited: what tells a surge the process cannot keep up with (`oldest_wait`).

    The slot is taken on the event loop and the thread run under a second limiter of the same
    size that never makes anyone wait (the slot holder is always within it): so the waiting
    requests are only ever touched by the loop's own thread."""

    def __init__(self, threads: int) -> None:
        self._slots = anyio.CapacityLimiter(threads)
        self._threads = anyio.CapacityLimiter(threads)
        # Each waiting request's start, in arrival order: the first is the oldest.
        self._waiting: dict[object, float] = {}

    def oldest_wait(self) -> float:
        """Seconds the longest-waiting request has waited for a thread; 0 when none waits."""
        for since in self._waiting.values():
            return time.monotonic() - since
        return 0.0

    async def run(self, work: Callable[..., T], *args: object) -> T:
        ticket = object()
        self._waiting[ticket] = time.monotonic()
        try:
            await self._slots.acquire_on_behalf_of(ticket)
        finally:
            del self._waiting[ticket]
        try:
            return await to_thread.run_sync(work, *args, limiter=self._threads)
        finally:
            self._slots.release_on_behalf_of(ticket)


_WEBHOOK_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WebhookSlots] = (
    weakref.WeakKeyDictionary()
)


def webhook_slots(runtime: Runtime) -> WebhookSlots:
    """This event loop's slots (a process has one loop; tests start one per client), sized by
    the first runtime that asks in it."""
    loop = asyncio.get_running_loop()
    slots = _WEBHOOK_SLOTS.get(loop)
    if slots is None:
        slots = _WEBHOOK_SLOTS[loop] = WebhookSlots(runtime.settings.webhook_threads)
    return slots


async def in_webhook_thread(runtime: Runtime, work: Callable[..., T], *args: object) -> T:
    """A webhook's transaction in a thread, at most `CCC_WEBHOOK_THREADS` (4) of them at once.

    A webhook's work is mostly Python holding the GIL between short waits on the database.
    With the thread pool's 40 threads, a surge had 16 and more of them taking the GIL from each
    other at every statement: the toll-free line answered 43 TwiML requests a second with p99
    1.06 s at 16 calls in flight, and 52 to 60 a second with p99 0.50 to 0.56 s on 2 to 4
    threads, for the same work; the year's replay went 19 % faster, the web process and
    PostgreSQL spending 18 % and 42 % less CPU a webhook (docs/performance.md). The requests
    past the limit wait on the event loop, where waiting costs nothing."""
    return await webhook_slots(runtime).run(work, *args)


def webhooks_backed_up(runtime: Runtime) -> bool:
    """Whether a webhook arriving now would wait longer than `CCC_VOICE_BUSY_AFTER` seconds
    for a thread (judged by the oldest one waiting): the line then answers new calls "all
    lines are busy" instead of queueing them (`bots.twilio.voice`). Never with the setting 0."""
    after = runtime.settings.voice_busy_after_seconds
    return after > 0 and webhook_slots(runtime).oldest_wait() >= after
