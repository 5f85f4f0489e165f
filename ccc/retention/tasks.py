"""Running retention: batch after batch, each its own short transaction.

The nightly run under `ccc worker` goes on the low-priority queue in slices of a few seconds;
a slice that leaves work enqueues the next one with its cursors, so the worker takes the
webhooks' jobs (on the normal queue, which RQ always serves first) between any two slices.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from ccc.access import audit
from ccc.access.policy import Caller
from ccc.jobs.dispatch import LOW_QUEUE_NAME, RQDispatcher
from ccc.kernel.db import session_scope
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.retention import policy as retention_policy
from ccc.retention import service
from ccc.retention.policy import Kind, Policy

log = logging.getLogger(__name__)

# Contacts after tickets and calls: a person whose last ticket goes tonight goes tonight too.
ORDER = (
    Kind.recordings,
    Kind.tickets,
    Kind.calls,
    Kind.conversations,
    Kind.contacts,
    Kind.audit,
    Kind.deliveries,
)
RETENTION = Caller(user_id=None, name="retention", role="system")
SLICE_SECONDS = 5.0

Counts = dict[str, int]
Cursors = dict[str, int | None]


def plan(engine: Engine, *, policy: Policy, now: datetime) -> Counts:
    """What a run would touch now, per kind (a dry run). Contacts whose last ticket a real run
    would anonymise first are counted by the run after it."""
    with session_scope(engine) as session:
        return {
            kind.value: service.count_due(session, kind=kind, policy=policy, now=now)
            for kind in ORDER
        }


def run(
    engine: Engine,
    *,
    policy: Policy,
    now: datetime,
    batch: int = service.BATCH,
    budget: float | None = None,
    cursors: Cursors | None = None,
    counts: Counts | None = None,
    caller: Caller = RETENTION,
    recordings_dir: str | None = None,
) -> tuple[Counts, Cursors | None]:
    """Anonymise what is past its period. With a `budget` in seconds, stops after it and returns
    the cursors to go on from (None once everything is done); the counts add up over slices.
    The finished run is written in the audit log with its counts."""
    counts = dict(counts or {kind.value: 0 for kind in ORDER})
    cursors = dict(cursors or {kind.value: 0 for kind in ORDER})
    started = time.monotonic()
    for kind in ORDER:
        while cursors.get(kind.value) is not None:
            cursor = cursors[kind.value] or 0
            with session_scope(engine) as session:
                found = service.due(
                    session, kind=kind, policy=policy, now=now, after=cursor, limit=batch
                )
                files = service.apply(session, kind=kind, ids=found.ids, now=now, policy=policy)
            delete_files(recordings_dir, files)
            counts[kind.value] = counts.get(kind.value, 0) + len(found.ids)
            cursors[kind.value] = found.cursor
            spent = time.monotonic() - started
            if budget is not None and spent >= budget and _left(cursors):
                return counts, cursors  # at least one batch per slice, so every slice progresses
    with session_scope(engine) as session:
        audit.record(
            session,
            caller=caller,
            action=audit.Action.retention,
            as_of=now.isoformat(),
            counts=counts,
        )
    log.info("retention run as of %s: %s", now.isoformat(), counts)
    return counts, None


def _left(cursors: Cursors) -> bool:
    return any(cursor is not None for cursor in cursors.values())


def delete_files(folder: str | None, names: list[Path]) -> None:
    """The kept recordings (names in CCC_VOICE_RECORDINGS_DIR) of rows already committed."""
    if not folder:
        return
    for name in names:
        with suppress(FileNotFoundError):
            (Path(folder) / name.name).unlink()


def nightly(
    as_of: str | None = None,
    cursors: Cursors | None = None,
    counts: Counts | None = None,
    enqueue: Callable[..., object] | None = None,
) -> Counts:
    """The worker's nightly entry: one slice, then the next one enqueued on the low queue."""
    runtime = get_runtime()
    now = datetime.fromisoformat(as_of) if as_of else utcnow()
    policy = retention_policy.current()
    done, left = run(
        runtime.engine,
        policy=policy,
        now=now,
        budget=SLICE_SECONDS if enqueue or _rq_queue(runtime) else None,
        cursors=cursors,
        counts=counts,
        recordings_dir=runtime.settings.voice_recordings_dir,
    )
    if left is not None:
        follow = enqueue or _rq_queue(runtime)
        if follow is not None:
            follow(nightly, now.isoformat(), left, done)
    return done


def _rq_queue(runtime: object) -> Callable[..., object] | None:
    dispatcher = getattr(runtime, "dispatcher", None)
    if not isinstance(dispatcher, RQDispatcher):
        return None
    from rq import Queue

    low = Queue(LOW_QUEUE_NAME, connection=dispatcher.connection)

    def follow(func: Callable[..., object], *args: object) -> object:
        return low.enqueue(func, *args, job_timeout=600, result_ttl=0)

    return follow
