"""Handing committed outbox jobs to whoever runs them: RQ workers, or this process."""

from __future__ import annotations

import importlib
import logging
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, NamedTuple, Protocol

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


class Scheduled(NamedTuple):
    """A committed job as a dispatcher needs it: its row, its queue, its order key (jobs with
    the same key run one at a time: one person's turns)."""

    id: int
    queue: str = QUEUE_NAME
    order_key: str | None = None


def as_scheduled(job: int | Scheduled) -> Scheduled:
    return job if isinstance(job, Scheduled) else Scheduled(job)


def rq_job_id(outbox_id: int) -> str:
    return f"ccc-outbox-{outbox_id}"


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
        job_ids = [as_scheduled(job).id for job in jobs]
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

    def dispatch(self, jobs: Sequence[int | Scheduled], *, background: bool = False) -> None:
        enqueued: list[int] = []
        for job in map(as_scheduled, jobs):
            job_id = job.id
            try:
                if self._waiting_in_redis(job_id):
                    continue
                self.queues.get(job.queue, self.queue).enqueue(
                    RUN_JOB,
                    job_id,
                    job.order_key,
                    job_id=rq_job_id(job_id),
                    job_timeout=self.job_timeout,
                    result_ttl=0,
                    failure_ttl=86400,
                )
            except Exception as exc:
                log.warning("could not enqueue job %s, the sweep will retry: %s", job_id, exc)
                continue
            enqueued.append(job_id)
        if enqueued:
            self._mark_enqueued(enqueued)

    def _waiting_in_redis(self, job_id: int) -> bool:
        """A row the sweep finds may still sit in a long queue: handing it out again would
        only make a worker run it twice (it runs once; the second finds it done)."""
        from rq.exceptions import NoSuchJobError
        from rq.job import Job, JobStatus

        try:
            status = Job.fetch(rq_job_id(job_id), connection=self.connection).get_status()
        except NoSuchJobError:
            return False
        return status in {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED}

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
