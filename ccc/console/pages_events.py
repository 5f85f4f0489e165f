"""`GET /console/events`: the live stream of one console session (server-sent events).

Each event names a ticket the user may see and what happened to it (`message`, `ticket`,
`assignment`, `status`, `sla`, `changed`); `mine` says the ticket is assigned to the user, so
the page can notify them when the person writes. The page then fetches what it shows through
the ordinary, access-checked routes: the stream itself carries no personal data. It ends when
the console session ends (logout, revocation, idle time)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable

from anyio import to_thread
from fastapi import APIRouter, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sse_starlette.sse import EventSourceResponse

from ccc.api.deps import RuntimeDep
from ccc.console.deps import ConsoleDep
from ccc.console.models import ConsoleSession
from ccc.live.hub import Hub, Stream, hub_for

router = APIRouter(prefix="/console", include_in_schema=False)
# How often a stream checks that its console session is still open.
RECHECK_SECONDS = 30.0


@router.get("/events")
async def console_events(
    request: Request, console: ConsoleDep, runtime: RuntimeDep
) -> EventSourceResponse:
    hub = hub_for(runtime.engine, runtime.settings.redis_url)
    login_id = console.login.id
    assert login_id is not None
    stream = hub.open(console.caller, runtime.settings.restricted_focal_team)
    return EventSourceResponse(
        _events(request, hub, stream, lambda: _still_open(runtime.engine, login_id)),
        ping=15,
        headers={"Cache-Control": "no-store"},
    )


async def _events(
    request: Request, hub: Hub, stream: Stream, still_open: Callable[[], bool]
) -> AsyncIterator[dict[str, str]]:
    """The stream's events, until the browser leaves or the console session ends."""
    loop = asyncio.get_running_loop()
    checked_at = loop.time()
    try:
        await hub.started()
        yield {"event": "ready", "data": "{}"}
        while True:
            with contextlib.suppress(TimeoutError):
                payload = await asyncio.wait_for(stream.queue.get(), 5.0)
                yield {"event": "ticket", "id": str(payload["id"]), "data": json.dumps(payload)}
            if await request.is_disconnected():
                return
            if loop.time() - checked_at > RECHECK_SECONDS:
                checked_at = loop.time()
                if not await to_thread.run_sync(still_open):
                    yield {"event": "ended", "data": "{}"}
                    return
    finally:
        hub.close(stream)


def _still_open(engine: Engine, login_id: int) -> bool:
    with Session(engine) as session:
        row = session.get(ConsoleSession, login_id)
        return row is not None and row.ended_at is None
