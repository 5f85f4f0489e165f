"""The request dependencies every HTTP route needs, the core's and the adapters' alike: the
process's runtime, its settings, and a session that owns the transaction. It commits before the
response is sent (scope="function") and only then hands the transaction's jobs to the
dispatcher, so a 200 always means the work is durable. Adapters in `bots/` take these from
here, never from the composition root (`ccc.api`)."""

from __future__ import annotations

import asyncio
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
_WEBHOOK_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


async def in_webhook_thread(runtime: Runtime, work: Callable[..., T], *args: object) -> T:
    """A webhook's transaction in a thread, at most `CCC_WEBHOOK_THREADS` (4) of them at once.

    A webhook's work is mostly Python holding the GIL between short waits on the database.
    With the thread pool's 40 threads, a surge had 16 and more of them taking the GIL from each
    other at every statement: the toll-free line answered 43 TwiML requests a second with p99
    1.06 s at 16 calls in flight, and 52 to 60 a second with p99 0.50 to 0.56 s on 2 to 4
    threads, for the same work; the year's replay went 19 % faster, the web process and
    PostgreSQL spending 18 % and 42 % less CPU a webhook (docs/performance.md). The requests
    past the limit wait on the event loop, where waiting costs nothing.

    One limiter per event loop (a process has one; tests start one per client), sized by the
    first runtime that asks in it."""
    loop = asyncio.get_running_loop()
    slots = _WEBHOOK_SLOTS.get(loop)
    if slots is None:
        slots = _WEBHOOK_SLOTS[loop] = anyio.CapacityLimiter(runtime.settings.webhook_threads)
    return await to_thread.run_sync(work, *args, limiter=slots)
