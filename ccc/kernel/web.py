"""The request dependencies every HTTP route needs, the core's and the adapters' alike: the
process's runtime, its settings, and a session that owns the transaction. It commits before the
response is sent (scope="function") and only then hands the transaction's jobs to the
dispatcher, so a 200 always means the work is durable. Adapters in `bots/` take these from
here, never from the composition root (`ccc.api`)."""

from __future__ import annotations

import asyncio
import contextvars
import queue
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Annotated, Any, NamedTuple, TypeVar

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


class _Work(NamedTuple):
    """A webhook's transaction handed to a thread, and where its outcome goes back."""

    slots: WebhookSlots
    ticket: object
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    context: contextvars.Context
    call: Callable[..., Any]
    args: tuple[object, ...]


class _Threads:
    """`count` threads taking webhooks from one queue, shared by every event loop of the
    process that asks for that many (a process has one; tests start one per client).

    One queue rather than a thread handed each request: while a surge keeps every thread busy,
    a thread that finishes takes the next request without sleeping, and the event loop wakes no
    thread. With anyio's pool, each request was put to a sleeping thread and woken there, and
    the wake-up (a `Condition.notify` with the GIL held) was 8 % of the web process's GIL time
    in the year's replay (py-spy `--gil`, docs/performance.md)."""

    def __init__(self, count: int) -> None:
        self._queue: queue.SimpleQueue[_Work] = queue.SimpleQueue()
        for index in range(count):
            threading.Thread(target=self._serve, name=f"ccc-webhook-{index}", daemon=True).start()

    def put(self, work: _Work) -> None:
        self._queue.put(work)

    def _serve(self) -> None:
        while True:
            work = self._queue.get()
            work.slots.started(work.ticket)
            try:
                outcome: tuple[bool, Any] = (True, work.context.run(work.call, *work.args))
            except Exception as exc:
                outcome = (False, exc)
            except BaseException as exc:  # the loop must hear back, or the request hangs
                outcome = (False, RuntimeError(f"a webhook's thread was interrupted: {exc!r}"))
            try:
                work.loop.call_soon_threadsafe(_settle, work.future, outcome)
            except RuntimeError:  # its loop has closed: nobody waits for the answer
                pass


def _settle(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.done():  # its request was cancelled; the work was done all the same
        return
    succeeded, value = outcome
    if succeeded:
        future.set_result(value)
    else:
        future.set_exception(value)


_THREADS: dict[int, _Threads] = {}
_THREADS_LOCK = threading.Lock()


def _threads(count: int) -> _Threads:
    with _THREADS_LOCK:
        threads = _THREADS.get(count)
        if threads is None:
            threads = _THREADS[count] = _Threads(count)
        return threads


class WebhookSlots:
    """The webhook threads of one event loop, and how long the oldest request waiting for one
    has waited: what tells a surge the process cannot keep up with (`oldest_wait`).

    At most `threads` requests run at once: that many threads take them from one queue, in
    arrival order; the others wait in it, which costs nothing."""

    def __init__(self, threads: int) -> None:
        self._threads = _threads(threads)
        # Each waiting request's start, in arrival order: the first is the oldest. Written by
        # the loop's thread and the webhook threads, so under a lock.
        self._waiting: dict[object, float] = {}
        self._lock = threading.Lock()

    def oldest_wait(self) -> float:
        """Seconds the longest-waiting request has waited for a thread; 0 when none waits."""
        with self._lock:
            for since in self._waiting.values():
                return time.monotonic() - since
        return 0.0

    def started(self, ticket: object) -> None:
        with self._lock:
            self._waiting.pop(ticket, None)

    async def run(self, work: Callable[..., T], *args: object) -> T:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        ticket = object()
        with self._lock:
            self._waiting[ticket] = time.monotonic()
        context = contextvars.copy_context()
        self._threads.put(_Work(self, ticket, loop, future, context, work, args))
        return await future


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
