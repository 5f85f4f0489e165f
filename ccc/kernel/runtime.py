"""The process-wide wiring: settings, engine, dispatcher, channels. Built once, at start.

Request handlers get these through FastAPI dependencies; jobs, which RQ calls by import path
with nothing but ids, find them here. The server and the worker set the runtime when they start
(`ccc/api/wiring.py`); a job run in a process that set none fails at once rather than quietly
opening a database of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from ccc.channels.registry import ChannelRegistry
from ccc.jobs.dispatch import Dispatcher, InlineDispatcher, RQDispatcher
from ccc.jobs.outbox import due_jobs, forget_scheduled, take_scheduled, wants_background
from ccc.kernel.db import make_engine
from ccc.kernel.settings import Settings
from ccc.kernel.throttle import Throttle

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    dispatcher: Dispatcher = field(default_factory=InlineDispatcher)
    channels: ChannelRegistry = field(default_factory=ChannelRegistry)
    searches: Throttle = field(init=False)

    def __post_init__(self) -> None:
        # Each user's searches by words or number: guessing a number is slow (docs/access.md).
        self.searches = Throttle(limit=self.settings.search_limit_per_minute, period=60.0)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction; its outbox jobs are dispatched only after it commits."""
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            forget_scheduled(session)
            raise
        finally:
            session.close()
        self.dispatch_after_commit(session)

    def idempotent(self, work: Callable[[Session], T]) -> T:
        """`work` in one unit of work, run again once on a fresh connection when the database
        connection was found dead (PostgreSQL restarted while it sat in the pool).

        A pooled connection used again within a second is not pinged first (`IDLE_PING`), so
        the first request after a restart can meet a dead one; SQLAlchemy then replaces the
        pool's connections. A provider does not redeliver every webhook answered with a 500
        (Twilio's messaging goes to its fallback URL, if any), so a message would be lost to
        that one stale connection. Only for work that is safe to run twice: whatever the first
        attempt committed, the second finds (a message stored once by its provider's id)."""
        try:
            with self.unit_of_work() as session:
                return work(session)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
            log.warning("the database connection was dead; the work runs again on a new one")
        with self.unit_of_work() as session:
            return work(session)

    def dispatch_after_commit(self, session: Session) -> None:
        background = wants_background(session)
        jobs = take_scheduled(session)
        if jobs:
            self.dispatcher.dispatch(jobs, background=background)

    def sweep(self, *, now: datetime | None = None) -> int:
        """Dispatch due jobs that nobody ran (Redis was down, a worker died, a retry is due)."""
        with Session(self.engine) as session:
            jobs = due_jobs(session, now=now)
        if jobs:
            log.info("sweep found %d due job(s)", len(jobs))
            self.dispatcher.dispatch(jobs)
        return len(jobs)


_runtime: Runtime | None = None


class NoRuntime(RuntimeError):
    """A job ran in a process that never built its runtime: a wiring mistake, not bad data."""


def build_runtime(
    settings: Settings,
    *,
    channels: ChannelRegistry | None = None,
    dispatcher: Dispatcher | None = None,
) -> Runtime:
    bootstrap()
    engine = make_engine(settings.database_url)
    if dispatcher is None:
        if settings.redis_url:
            dispatcher = RQDispatcher(
                settings.redis_url, engine, job_timeout=settings.job_timeout_seconds
            )
        else:
            dispatcher = InlineDispatcher()
    return Runtime(
        settings=settings,
        engine=engine,
        dispatcher=dispatcher,
        channels=channels or ChannelRegistry(),
    )


def set_runtime(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def get_runtime() -> Runtime:
    if _runtime is None:
        raise NoRuntime(
            "no runtime: `ccc serve` or `ccc worker` builds it at start (ccc/api/wiring.py)"
        )
    return _runtime


def bootstrap() -> None:
    """Import the core's modules that register job kinds and event subscribers; the engine's
    subscribers follow them (`ccc.api.wiring.bootstrap`)."""
    import importlib

    for module in (
        "ccc.calls.tasks",
        "ccc.messages.tasks",
        "ccc.referrals.service",
        "ccc.sla.tasks",
        "ccc.live.publish",
    ):
        importlib.import_module(module)
