"""One hub per process fans the live events out to the console streams open in it.

The hub reads `live_event` rows newer than the last it saw: every `POLL_SECONDS`, and at once
when Redis (`CCC_REDIS_URL`) announces a commit that wrote some. Each stream receives only
the events of tickets its user may see, decided by the same `visible_tickets` query as the
queue, at the moment the event is delivered. One reader per process, however many streams:
a hundred open consoles cost one query per look, plus one visibility query per stream that
has something to receive.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from anyio import to_thread
from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from ccc.access.policy import Caller, visible_tickets
from ccc.live.models import LiveEvent
from ccc.live.publish import channel_of, local_wakers
from ccc.live.tasks import KEEP
from ccc.tickets.models import Ticket

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
BATCH = 1000
# Ids below the last one read that were not there yet, looked for again at every look; at most
# this many, the newest kept.
MAX_LATE = 1000


@dataclass
class Stream:
    caller: Caller
    focal_team: str
    queue: asyncio.Queue[dict[str, Any]] = field(default_factory=lambda: asyncio.Queue(500))


@dataclass
class Hub:
    engine: Engine
    redis_url: str | None = None
    _streams: dict[int, Stream] = field(default_factory=dict)
    _last_id: int | None = None
    # id -> when it was first missed (time.monotonic())
    _late: dict[int, float] = field(default_factory=dict)
    _wake: asyncio.Event | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Set once the reader has taken its starting point (see `started`).
    _started: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _waker: Any = None

    def open(self, caller: Caller, focal_team: str) -> Stream:
        self._start()
        stream = Stream(caller=caller, focal_team=focal_team)
        self._streams[id(stream)] = stream
        return stream

    def close(self, stream: Stream) -> None:
        self._streams.pop(id(stream), None)

    def _start(self) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is loop and self._tasks:
            return
        self._loop = loop
        self._wake = wake = asyncio.Event()
        self._started = asyncio.Event()
        self._last_id = None
        self._late.clear()
        if self._waker is not None and self._waker in local_wakers:
            local_wakers.remove(self._waker)

        def waker() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(wake.set)

        self._waker = waker
        local_wakers.append(waker)
        self._tasks = [loop.create_task(self._read_forever())]
        if self.redis_url:
            self._tasks.append(loop.create_task(self._listen_to_redis()))

    async def started(self, within: float = 5.0) -> None:
        """Returns once the reader has taken its starting point, the newest event at its first
        look (or after `within` seconds, if the database does not answer). A stream told it is
        ready before that could miss a change committed in between: the first look would take
        that change's id as where to start, and never deliver it (seen on a loaded machine)."""
        if self._started is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._started.wait(), within)

    async def _read_forever(self) -> None:
        assert self._wake is not None and self._started is not None
        while True:
            try:
                await to_thread.run_sync(self._look)
                self._started.set()
            except Exception:
                log.exception("reading live events failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()

    async def _listen_to_redis(self) -> None:
        """Wake the reader as soon as another process commits live events."""
        from redis.asyncio import Redis

        while True:
            try:
                client = Redis.from_url(self.redis_url or "")
                pubsub = client.pubsub()
                await pubsub.subscribe(channel_of(client))
                async for message in pubsub.listen():
                    if message.get("type") == "message" and self._wake is not None:
                        self._wake.set()
            except Exception:
                log.warning("the live events channel on Redis is unreachable; polling only")
                await asyncio.sleep(5)

    def _look(self) -> None:
        with Session(self.engine) as session:
            if self._last_id is None:
                self._last_id = session.exec(select(func.max(LiveEvent.id))).one() or 0
                return
            rows = self._read(session, self._last_id)
            if rows and self._streams:
                self._deliver(session, rows)

    def _read(self, session: Session, last_id: int) -> list[LiveEvent]:
        """The rows after `last_id`, and those below it that were missing at an earlier look.

        On PostgreSQL an id is taken from the sequence when the row is inserted, and the row
        is seen by others when its transaction commits: a transaction that inserted early and
        commits late (a worker's turn beside a quicker one) makes a row appear below ids
        already read. Reading only `id > last_id` would pass over it for good; so the ids
        skipped are looked for again until they appear, or for as long as live events are
        kept (`KEEP`): a row older than that is no longer news, and the cleanup deletes it.
        """
        after = col(LiveEvent.id) > last_id
        where = or_(after, col(LiveEvent.id).in_(list(self._late))) if self._late else after
        rows = list(
            session.exec(
                select(LiveEvent).where(where).order_by(col(LiveEvent.id)).limit(BATCH)
            ).all()
        )
        self._note_missing(rows, last_id)
        return rows

    def _note_missing(self, rows: list[LiveEvent], last_id: int) -> None:
        now = time.monotonic()
        expected = last_id + 1
        for row in rows:
            assert row.id is not None
            self._late.pop(row.id, None)
            if row.id >= expected:
                for missing in range(max(expected, row.id - MAX_LATE), row.id):
                    self._late[missing] = now
                expected = row.id + 1
        self._last_id = expected - 1
        too_old = now - KEEP.total_seconds()
        for missing in [i for i, since in self._late.items() if since < too_old]:
            del self._late[missing]
        while len(self._late) > MAX_LATE:
            del self._late[min(self._late)]

    def _deliver(self, session: Session, rows: list[LiveEvent]) -> None:
        ticket_ids = sorted({row.ticket_id for row in rows})
        # Streams of the same user (several tabs) share one visibility query.
        known: dict[tuple[Any, ...], dict[int | None, Ticket]] = {}
        for stream in list(self._streams.values()):
            key = (stream.caller.user_id, stream.caller.role, stream.caller.team_slugs)
            seen = known.get(key)
            if seen is None:
                query = visible_tickets(stream.caller, focal_team=stream.focal_team).where(
                    col(Ticket.id).in_(ticket_ids)
                )
                seen = known[key] = {t.id: t for t in session.exec(query).all()}
            for row in rows:
                ticket = seen.get(row.ticket_id)
                if ticket is None:
                    continue
                payload = {
                    "id": row.id,
                    "kind": row.kind,
                    "reference": ticket.reference,
                    "direction": row.direction,
                    "mine": ticket.assignee_id is not None
                    and ticket.assignee_id == stream.caller.user_id,
                }
                self._put(stream, payload)

    def _put(self, stream: Stream, payload: dict[str, Any]) -> None:
        loop = self._loop
        assert loop is not None

        def put() -> None:
            with contextlib.suppress(asyncio.QueueFull):  # a stalled browser misses events
                stream.queue.put_nowait(payload)

        loop.call_soon_threadsafe(put)


_hubs: dict[int, Hub] = {}


def hub_for(engine: Engine, redis_url: str | None) -> Hub:
    """The process's hub for this database (tests run several apps in one process)."""
    hub = _hubs.get(id(engine))
    if hub is None:
        hub = _hubs[id(engine)] = Hub(engine=engine, redis_url=redis_url)
    return hub
