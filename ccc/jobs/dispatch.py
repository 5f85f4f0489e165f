"""Handing committed outbox jobs to whoever runs them: RQ workers, or this process."""

from __future__ import annotations

import importlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from sqlalchemy import update
from sqlalchemy.engine import Engine

from ccc.jobs.models import OutboxJob
from ccc.kernel.timeutil import utcnow

if TYPE_CHECKING:
    from redis import Redis
    from rq import Queue

log = logging.getLogger(__name__)

QUEUE_NAME = "ccc"
# Sends: a reply must not wait behind every other person's turn, so workers take these first.
SEND_QUEUE_NAME = "ccc-send"
# Sends of a mass change (closing notices of a bulk status change, rules over idle tickets):
# taken only when no reply and no turn waits (ccc/channels/ratelimit.py).
BULK_SEND_QUEUE_NAME = "ccc-bulk"
# Housekeeping that may run long (retention): a worker takes it only when QUEUE_NAME is empty.
LOW_QUEUE_NAME = "ccc-low"
# The queues a worker serves, first to last.
WORKER_QUEUES = (SEND_QUEUE_NAME, QUEUE_NAME, BULK_SEND_QUEUE_NAME, LOW_QUEUE_NAME)
RUN_JOB = "ccc.jobs.runner.run_job"
# How long a job waits for the order lock of its key (a person's earlier turn) before it goes
# ahead anyway: the identity's row lock still keeps that person's turns in order.
ORDER_WAIT = 30.0


# After Redis failed, how long a dispatcher leaves the jobs to the sweep instead of trying
# again: while Redis is unreachable, a webhook must not wait on a connection timeout each time.
REDIS_REST = 5.0


class Scheduled(NamedTuple):
    """A committed job as a dispatcher needs it: its row, its queue, its order key (jobs with
    the same key run one at a time: one person's turns). `fresh` for a row its transaction has
    just written, which no one can have handed out yet; the sweep's rows are not."""

    id: int
    queue: str = QUEUE_NAME
    order_key: str | None = None
    fresh: bool = False
    # A job owed again later (a send deferred by its sender's pace, a retry after a failure):
    # handed to Redis now, to be queued at this time by the workers' scheduler.
    at: datetime | None = None

    def later(self, now: datetime) -> bool:
        return self.at is not None and self.at > now


def as_scheduled(job: int | Scheduled) -> Scheduled:
    return job if isinstance(job, Scheduled) else Scheduled(job)


def rq_job_id(outbox_id: int) -> str:
    return f"ccc-outbox-{outbox_id}"


def rq_timed_job_id(outbox_id: int, at: datetime) -> str:
    """A job queued for later has an RQ id of its own: the deferral is made while the job's
    current run is still RQ's job, whose hash RQ deletes when that run ends (`result_ttl=0`)."""
    return f"{rq_job_id(outbox_id)}-at-{int(at.timestamp() * 1000)}"


class Dispatcher(Protocol):
    def dispatch(self, jobs: Sequence[int | Scheduled], *, background: bool = False) -> None: ...


def _by_name(dotted: str) -> Callable[..., None]:
    """The job runner by the dotted name RQ's worker imports too: the runner reaches the
    process's runtime, which holds this dispatcher, so a static import would close a circle."""
    module, _, name = dotted.rpartition(".")
    function: Callable[..., None] = getattr(importlib.import_module(module), name)
    return function


class InlineDispatcher:
    """Runs jobs in this process right after the commit that scheduled them.

    Jobs scheduled by a job are queued behind it rather than run recursively, so a chatbot turn
    and the replies it sends run one after another in a flat loop. A webhook asks for
    `background`: its jobs go to one worker thread of this process, so Twilio and Telegram get
    their answer before any reply is sent (the outbox row keeps the work if the process dies).
    The simulator and the API run theirs before answering, so what they return is complete.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._backlog: queue.Queue[list[int]] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def dispatch(self, jobs: Sequence[int | Scheduled], *, background: bool = False) -> None:
        # A job owed later is left to the sweep: run now, it would only be put off again.
        now = utcnow()
        job_ids = [job.id for job in map(as_scheduled, jobs) if not job.later(now)]
        if not job_ids:
            return
        if background:
            self._ensure_worker()
            self._backlog.put(job_ids)
            return
        self._run(job_ids)

    def wait_idle(self) -> None:
        """Block until every background job handed over so far has run (tests, shutdown)."""
        self._backlog.join()

    def _ensure_worker(self) -> None:
        with self._start_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(
                    target=self._work, name="ccc-inline-jobs", daemon=True
                )
                self._worker.start()

    def _work(self) -> None:
        while True:
            job_ids = self._backlog.get()
            try:
                self._run(job_ids)
            finally:
                self._backlog.task_done()

    def _run(self, job_ids: Sequence[int]) -> None:
        run_job = _by_name(RUN_JOB)
        queue: list[int] | None = getattr(self._local, "queue", None)
        if queue is not None:
            queue.extend(job_ids)
            return
        self._local.queue = queue = list(job_ids)
        try:
            while queue:
                job_id = queue.pop(0)
                try:
                    run_job(job_id)
                except Exception:
                    # The row is still pending or marked failed; the sweep will see to it.
                    log.exception("in-process job %s failed", job_id)
        finally:
            self._local.queue = None


class RQDispatcher:
    """Enqueues on Redis; when Redis is down the jobs stay pending for the sweep."""

    def __init__(self, redis_url: str, engine: Engine, *, job_timeout: int = 120) -> None:
        from redis import Redis
        from rq import Queue

        self.connection: Redis = Redis.from_url(
            redis_url, socket_connect_timeout=2, socket_timeout=5
        )
        self.queue: Queue = Queue(QUEUE_NAME, connection=self.connection)
        self.queues: dict[str, Queue] = {
            name: Queue(name, connection=self.connection) for name in WORKER_QUEUES
        }
        self.queues[QUEUE_NAME] = self.queue
        self.engine = engine
        # A job running longer is killed by its worker, and its outbox row retried.
        self.job_timeout = job_timeout
        self._rest_until = 0.0

    def dispatch(self, jobs: Sequence[int | Scheduled], *, background: bool = False) -> None:
        """Enqueue in one pipelined round trip to Redis. A fresh row is not stamped: its
        `created_at` keeps the sweep off it for `FRESH_GRACE`, and past that the sweep asks Redis
        before handing it out again. Rows the sweep found are stamped `enqueued_at`, in one
        statement, so that the next sweeps leave them alone while they wait in a long queue."""
        scheduled = [as_scheduled(job) for job in jobs]
        if not scheduled or self.resting():
            return
        # A job owed later has an RQ id of its own: no copy of it can be waiting already.
        swept = [job.id for job in scheduled if not job.fresh and job.at is None]
        try:
            waiting = self._waiting_in_redis(swept) if swept else set()
            self._enqueue([job for job in scheduled if job.id not in waiting])
        except Exception as exc:
            self.rest()
            log.warning("could not enqueue %d job(s), the sweep will retry: %s", len(jobs), exc)
            return
        if swept:
            self._mark_enqueued(swept)

    def resting(self) -> bool:
        """True for `REDIS_REST` seconds after Redis failed: callers on a request's path skip
        it meanwhile (the sweep hands out the jobs once it answers again)."""
        return time.monotonic() < self._rest_until

    def rest(self) -> None:
        self._rest_until = time.monotonic() + REDIS_REST

    def _enqueue(self, jobs: list[Scheduled]) -> None:
        from rq import Queue

        now = utcnow()
        by_queue: dict[str, list[Scheduled]] = {}
        later: list[Scheduled] = []
        for job in jobs:
            if job.later(now):
                later.append(job)
                continue
            by_queue.setdefault(self._queue_of(job), []).append(job)
        if not by_queue and not later:
            return
        with self.connection.pipeline() as pipeline:
            for name, batch in by_queue.items():
                self.queues[name].enqueue_many(
                    [
                        Queue.prepare_data(
                            RUN_JOB,
                            args=(job.id, job.order_key),
                            job_id=rq_job_id(job.id),
                            timeout=self.job_timeout,
                            result_ttl=0,
                            failure_ttl=86400,
                        )
                        for job in batch
                    ],
                    pipeline=pipeline,
                )
            for job in later:
                self._enqueue_at(job, pipeline)
            pipeline.execute()

    def _queue_of(self, job: Scheduled) -> str:
        return job.queue if job.queue in self.queues else QUEUE_NAME

    def _enqueue_at(self, job: Scheduled, pipeline: Any) -> None:
        """Into RQ's scheduled registry, moved to the job's queue at `job.at` by the scheduler
        every `ccc worker` runs (`ccc/jobs/worker.py`); the sweep stays the safety net."""
        assert job.at is not None
        # RQ keeps whole seconds (the fraction dropped) and its scheduler looks every second:
        # a job runs within a second either side of its time. One that comes early for its
        # sender's token is put off again for the rest, and then queued at the next look.
        self.queues[self._queue_of(job)].enqueue_at(
            job.at,
            RUN_JOB,
            args=(job.id, job.order_key),
            job_id=rq_timed_job_id(job.id, job.at),
            job_timeout=self.job_timeout,
            result_ttl=0,
            failure_ttl=86400,
            pipeline=pipeline,
        )

    def _waiting_in_redis(self, job_ids: list[int]) -> set[int]:
        """The rows of these that still sit in a queue or run: handing them out again would
        only make a worker run them twice (each runs once; the second finds it done). One
        pipelined round trip reads every job's status."""
        from rq.job import Job, JobStatus

        live = {JobStatus.QUEUED.value, JobStatus.STARTED.value, JobStatus.SCHEDULED.value}
        with self.connection.pipeline(transaction=False) as pipeline:
            for job_id in job_ids:
                pipeline.hget(Job.key_for(rq_job_id(job_id)), "status")
            statuses: list[bytes | None] = pipeline.execute()
        return {
            job_id
            for job_id, status in zip(job_ids, statuses, strict=True)
            if status is not None and status.decode() in live
        }

    @contextmanager
    def exclusive(self, name: str, *, seconds: int = 60) -> Iterator[bool]:
        """True for the one process holding the lock: of all workers' cron, one sweeps."""
        lock = self.connection.lock(f"ccc:lock:{name}", timeout=seconds, blocking=False)
        mine = bool(lock.acquire(blocking=False))
        try:
            yield mine
        finally:
            if mine:
                with suppress(Exception):  # expired meanwhile: someone else may hold it now
                    lock.release()

    @contextmanager
    def in_order(self, key: str, *, seconds: int) -> Iterator[bool]:
        """Hold the order lock of `key` (one person's turns) while a job runs: the other
        workers' jobs of that key wait here, not in an open transaction on the identity's row.
        True when held; False when the wait ran out and the job goes ahead without it."""
        lock = self.connection.lock(f"ccc:order:{key}", timeout=seconds)
        try:
            mine = bool(lock.acquire(blocking=True, blocking_timeout=ORDER_WAIT))
        except Exception as exc:  # Redis gone: the database's row lock still keeps the order
            log.warning("order lock %s not taken: %s", key, exc)
            mine = False
        try:
            yield mine
        finally:
            if mine:
                with suppress(Exception):
                    lock.release()

    def _mark_enqueued(self, job_ids: list[int]) -> None:
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(OutboxJob)
                    .where(OutboxJob.id.in_(job_ids))  # type: ignore[union-attr]
                    .values(enqueued_at=utcnow())
                )
        except Exception as exc:  # the jobs are in Redis; the mark only saves a re-enqueue
            log.warning("could not mark jobs as enqueued: %s", exc)
