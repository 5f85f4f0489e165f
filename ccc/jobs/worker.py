"""`ccc worker`: RQ's `SimpleWorker` for the job queues, with RQ's cron for the periodic jobs.

A job runs in the worker's own process, not in a fork per job: the runtime, the flow library,
SQLAlchemy's mappings and compiled statements and the database pool are built once and serve
every job (a fork per job rebuilt them each time, most of a turn's cost). What the fork gave for
free is done here instead: a job that hangs is killed by `CCC_JOB_TIMEOUT` (RQ's alarm) and its
outbox row retried, and the process replaces itself after `CCC_WORKER_MAX_JOBS` jobs or
`CCC_WORKER_MAX_MEMORY_MB` so that a leak cannot grow for ever (`RECYCLE`; see
`ccc/jobs/supervisor.py` for `--processes N`).
"""

from __future__ import annotations

import logging
import os
import resource
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from math import inf
from typing import Any

from rq import SimpleWorker
from rq.executions import Execution
from rq.job import JobStatus
from rq.results import Result
from rq.utils import now as rq_now
from rq.worker import WorkerStatus

from ccc.jobs.dispatch import (
    LOW_QUEUE_NAME,
    QUEUE_NAME,
    SEND_QUEUE_NAME,
    WORKER_QUEUES,
    RQDispatcher,
    Scheduled,
    as_scheduled,
)
from ccc.jobs.periodic import SCHEDULE
from ccc.kernel import ports
from ccc.kernel.runtime import Runtime, set_runtime

log = logging.getLogger(__name__)

MAX_BACKOFF = 30.0
# A worker's heartbeat is skipped while its key still lives this close to a full beat's length.
BEAT_SLACK = 15
# How often a worker without RQ's scheduler locks asks for them (another worker holds them).
SCHEDULER_RETRY = 10.0
# The exit status of a worker that ended to be replaced (EX_TEMPFAIL): start it again.
RECYCLE = 75


def resident_mb() -> float:
    """This process's resident memory now (Linux), else its peak: what the recycling watches."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CCCWorker(SimpleWorker):
    """A `SimpleWorker` that asks to be replaced once it has run its share of jobs or grown
    past its memory limit. It stops between jobs, never in the middle of one.

    It also keeps RQ's bookkeeping to what CCC uses. RQ 3 spent about 28 round trips to Redis
    on each job (measured with `MONITOR`: five worker heartbeats, the idle state written twice,
    a suspension check, the job's dependents watched and read, its execution records read
    twice over to delete them), about 3 ms of the worker's CPU a job. Kept as RQ has them:
    the job's status and its execution in the started registry (what RQ's cleanup and the
    sweep read after a worker died), the failure path, and anything a job of another shape
    would need (see `_lean`); only repeats of the same write, and reads of what CCC's jobs
    never have, are left out.
    """

    max_jobs: int = 0
    max_memory_mb: int = 0
    jobs_done: int = 0
    recycle: bool = False
    # Monotonic time until which the worker's key lives, as the last heartbeat set it.
    _beat_until: float = 0.0
    _next_suspension_check: float = 0.0
    # One log line fewer a job ("result discarded immediately": every CCC job's result is).
    log_result_lifespan = False
    # The job whose start `prepare_execution` has written already (see there).
    _started: str | None = None
    # True from a job's start to the end of RQ's bookkeeping after it (`execute_job`).
    _in_job: bool = False

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """RQ beats before and after every dequeue and after every job, three commands each
        time. A beat is sent only when the key would otherwise expire sooner than a full beat
        minus `BEAT_SLACK` from now, and a job's own (shorter) beat keeps the full length for
        the worker's key, so that a burst of jobs costs one beat every `BEAT_SLACK` seconds."""
        full = self.worker_ttl + 60
        ttl = max(timeout or full, full)
        clock = time.monotonic()
        if pipeline is None and self._beat_until - clock >= ttl - BEAT_SLACK:
            return
        super().heartbeat(ttl, pipeline=pipeline)
        self._beat_until = clock + ttl

    def set_state(self, state: str, pipeline: Any = None) -> None:
        """The state is written when it changes (RQ writes `idle` twice between jobs)."""
        if pipeline is None and state == getattr(self, "_state", None):
            return
        super().set_state(state, pipeline=pipeline)

    def check_for_suspension(self, burst: bool) -> None:
        """`rq suspend` is looked for once a second, not before every job."""
        clock = time.monotonic()
        if clock < self._next_suspension_check:
            return
        self._next_suspension_check = clock + 1.0
        super().check_for_suspension(burst)

    def prepare_execution(self, job: Any) -> Any:
        """The job's execution record and its start, in one round trip to Redis: RQ writes
        the first here and the second (`prepare_job_execution`) in a pipeline of its own just
        after, with nothing in between that needs the first written. Same commands, same
        keys, one MULTI/EXEC instead of two."""
        if not self._lean(job):
            return super().prepare_execution(job)
        ttl = self.get_heartbeat_ttl(job)
        with self.connection.pipeline() as pipeline:
            execution = Execution.create(job, ttl, pipeline=pipeline, worker_name=self.name)
            self.executions[execution.id] = execution
            self.set_state(WorkerStatus.BUSY, pipeline=pipeline)
            self.heartbeat(ttl, pipeline=pipeline)
            job.prepare_for_execution(self.name, pipeline=pipeline)  # the job's beat with it
            pipeline.persist(job.key)
            pipeline.execute()
        self._started = job.id
        return execution

    def prepare_job_execution(self, job: Any, remove_from_intermediate_queue: bool = False) -> None:
        """Written already by `prepare_execution`, unless RQ also wants the job taken off a
        single queue's intermediate list (a worker of one queue; `ccc worker` serves four)."""
        started, self._started = self._started, None
        if started == job.id and not remove_from_intermediate_queue:
            return
        super().prepare_job_execution(job, remove_from_intermediate_queue)

    def handle_execution_ended(self, job: Any, queue: Any, heartbeat_ttl: int) -> None:
        """The job's end time, without RQ's last heartbeat on the job's hash: on success the
        hash is deleted next, on failure it keeps the beat of the job's start."""
        job.ended_at = rq_now()

    def handle_job_success(
        self, job: Any, queue: Any, started_job_registry: Any, execution: Any
    ) -> None:
        """A CCC job leaves nothing behind: one transaction counts it, removes its execution
        from the started registry and deletes its keys. RQ's own path watches and reads the
        job's dependents and reads its executions back twice to delete them (8 more round
        trips) for features CCC's jobs do not use; a job that does use one goes that way."""
        if not self._lean(job):
            super().handle_job_success(job, queue, started_job_registry, execution)
            return
        with self.connection.pipeline() as pipeline:
            self.increment_successful_job_count(pipeline=pipeline)
            self.increment_total_working_time(job.ended_at - job.started_at, pipeline)
            self.cleanup_execution(job, pipeline=pipeline, execution=execution)
            pipeline.delete(
                job.key,
                job.dependents_key,
                job.dependencies_key,
                Result.get_key(job.id),  # type: ignore[no-untyped-call]
                job.execution_registry.key,
            )
            # Idle again, in the same round trip (SimpleWorker then finds it written).
            self.set_state(WorkerStatus.IDLE, pipeline=pipeline)
            pipeline.execute()
        job._status = JobStatus.FINISHED

    def _lean(self, job: Any) -> bool:
        """A job as CCC enqueues it (`RQDispatcher`, the cron, retention): no result kept, no
        repeat, group, rate limit, webhook or callback. CCC never enqueues with `depends_on`,
        so no job of its queues has dependents to release."""
        # getattr: not every RQ release that pyproject.toml allows has each of these.
        return (
            job.get_result_ttl(self.default_result_ttl) == 0
            and not getattr(job, "repeats_left", None)
            and not getattr(job, "group_id", None)
            and not getattr(job, "has_rate_limit", False)
            and not getattr(job, "webhooks", None)
            and job.success_callback is None
        )

    def subscribe(self) -> None:
        """RQ's command channel, read in a thread that wakes every second: RQ's own minute
        made every stop (a recycle, a test's burst) wait up to 60 s for that thread."""
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(  # type: ignore[assignment]
            sleep_time=1, daemon=True, exception_handler=self._pubsub_exception_handler
        )

    def _shutdown(self) -> None:
        """A SIGTERM while a job is being wound up waits for it, as one during the job does.
        `handle_job_success` writes the worker `idle` in its last round trip, before RQ has
        finished with the job; RQ's handler, reading `idle`, raised StopRequested there, inside
        the job: the job was counted as failed and the stop was lost, the worker working on
        until a second signal killed it (seen as a pool that did not stop in 60 s)."""
        if self._in_job:
            self._stop_requested = True
            return
        super()._shutdown()  # type: ignore[no-untyped-call]

    def execute_job(self, job: Any, queue: Any) -> None:
        self._in_job = True
        try:
            super().execute_job(job, queue)
        finally:
            self._in_job = False
        CCCWorker.jobs_done += 1
        reason = self._recycle_reason()
        if reason:
            log.info("worker %s: %s; it stops to be replaced", self.name, reason)
            CCCWorker.recycle = True
            self._stop_requested = True

    def _recycle_reason(self) -> str | None:
        if self.max_jobs and CCCWorker.jobs_done >= self.max_jobs:
            return f"{CCCWorker.jobs_done} jobs done"
        if self.max_memory_mb:
            memory = resident_mb()
            if memory > self.max_memory_mb:
                return f"{memory:.0f} MiB resident, over {self.max_memory_mb}"
        return None


class WorkerDispatcher(RQDispatcher):
    """The worker's dispatcher: while a turn runs (`holding_sends`), the replies it schedules
    are kept for that job to send as soon as it commits (`ccc.jobs.runner.run_job`); every
    other job, and everything scheduled outside a turn, goes to Redis as before."""

    def __init__(self, redis_url: str, engine: Any, *, job_timeout: int = 120) -> None:
        super().__init__(redis_url, engine, job_timeout=job_timeout)
        self._local = threading.local()

    @contextmanager
    def holding_sends(self) -> Iterator[list[Scheduled]]:
        held: list[Scheduled] = []
        self._local.held = held
        try:
            yield held
        finally:
            self._local.held = None

    def dispatch(self, jobs: Sequence[int | Scheduled], *, background: bool = False) -> None:
        held: list[Scheduled] | None = getattr(self._local, "held", None)
        if held is None:
            super().dispatch(jobs, background=background)
            return
        others: list[Scheduled] = []
        for job in map(as_scheduled, jobs):
            now = job.queue == SEND_QUEUE_NAME and job.at is None
            (held if now else others).append(job)
        if others:
            super().dispatch(others, background=background)


def for_worker(runtime: Runtime) -> Runtime:
    """The runtime with the worker's own dispatcher (replies sent by the job that made them)."""
    settings = runtime.settings
    assert settings.redis_url
    runtime.dispatcher = WorkerDispatcher(
        settings.redis_url, runtime.engine, job_timeout=settings.job_timeout_seconds
    )
    return runtime


def run_worker(runtime: Runtime) -> int:
    """Work until asked to stop (0) or to be replaced (`RECYCLE`). When Redis goes away, RQ's
    work loop quits; this one waits for Redis with backoff and starts it again, so a Redis
    restart needs no outside supervisor (the outbox keeps every job meanwhile, and the sweep
    hands them out again)."""
    settings = runtime.settings
    if not settings.redis_url:
        log.error("CCC_REDIS_URL is not set: without Redis, `ccc serve` runs the jobs itself")
        return 2
    from redis import Redis
    from rq import Queue

    set_runtime(for_worker(runtime))
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=2)
    _start_cron(connection)
    _start_scheduler(connection)
    CCCWorker.max_jobs = settings.worker_max_jobs
    CCCWorker.max_memory_mb = settings.worker_max_memory_mb
    stopping = threading.Event()
    while not stopping.is_set():
        # RQ serves the queues in order: sends first, housekeeping only when nothing else waits.
        queues = [Queue(name, connection=connection) for name in WORKER_QUEUES]
        worker = CCCWorker(queues, connection=connection)
        try:
            worker.work(with_scheduler=False)  # RQ's scheduler runs in a thread of ours
        except Exception:
            log.exception("the worker stopped on an error")
        if CCCWorker.recycle:
            return RECYCLE
        if _asked_to_stop(worker):
            break
        _wait_for_redis(connection, stopping)
    return 0


def _asked_to_stop(worker: Any) -> bool:
    """RQ's loop also returns on SIGTERM/SIGINT: an idle worker raises StopRequested without
    setting `_stop_requested`, so the date of the request is what tells a stop from an outage
    (mistaking one for the other restarted the worker instead of ending it)."""
    return bool(
        getattr(worker, "_stop_requested", False)
        or getattr(worker, "_shutdown_requested_date", None) is not None
    )


def _wait_for_redis(connection: Any, stopping: threading.Event) -> None:
    """Back off (1 s doubling to 30 s) until Redis answers, or until SIGTERM/SIGINT."""

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    delay = 1.0
    while not stopping.is_set():
        try:
            connection.ping()
        except Exception as exc:
            log.warning("Redis is unreachable (%s); trying again in %.0f s", exc, delay)
            stopping.wait(delay)
            delay = min(delay * 2, MAX_BACKOFF)
            continue
        log.info("Redis is back; the worker starts again")
        return


def _start_scheduler(connection: Any) -> threading.Thread:
    """RQ's scheduler, in a thread of this worker: it queues the jobs owed later (a deferred
    send, a retry: `RQDispatcher._enqueue_at`) once their second has come, looking each second.

    RQ's `work(with_scheduler=True)` runs it in a forked process, which outlives a worker
    killed outright (SIGKILL) and keeps the scheduler's locks for ever. One worker at a time
    holds the locks (RQ's, per queue); the others ask again every `SCHEDULER_RETRY` seconds and
    take over within a minute of a holder's death; meanwhile the outbox sweep hands the jobs
    out."""
    from redis.exceptions import ConnectionError as RedisDown  # why: as _start_cron's
    from rq.scheduler import RQScheduler  # why: RQ loads only for `ccc worker`

    scheduler = RQScheduler(list(WORKER_QUEUES), connection=connection)

    def loop() -> None:
        asked = -inf
        while True:
            try:
                everything = scheduler.acquired_locks == set(WORKER_QUEUES)
                if not everything and time.monotonic() - asked >= SCHEDULER_RETRY:
                    asked = time.monotonic()
                    scheduler.acquire_locks()  # type: ignore[no-untyped-call]
                if scheduler.acquired_locks:
                    scheduler.heartbeat()  # type: ignore[no-untyped-call]
                    scheduler.enqueue_scheduled_jobs()  # type: ignore[no-untyped-call]
            except RedisDown as exc:
                log.warning("scheduler: Redis is unreachable (%s)", exc)
            except Exception:
                log.exception("scheduler loop failed; retrying")
            time.sleep(1)

    thread = threading.Thread(target=loop, name="ccc-scheduler", daemon=True)
    thread.start()
    return thread


def _start_cron(connection: object) -> threading.Thread:
    """RQ's CronScheduler, looped in a thread so one process serves both roles.

    Several workers each running the cron only means more sweeps; every job they enqueue is
    idempotent (an outbox row runs once, a closed ticket stays closed).
    """
    from rq.cron import CronScheduler

    cron = CronScheduler(connection=connection)  # type: ignore[arg-type]
    for periodic in SCHEDULE:
        queue = LOW_QUEUE_NAME if periodic.low_priority else QUEUE_NAME
        if periodic.cron:
            cron.register(periodic.job, queue, cron=periodic.cron, job_timeout=600, result_ttl=0)
        else:
            cron.register(periodic.job, queue, interval=int(periodic.every_seconds), result_ttl=0)

    def loop() -> None:
        from redis.exceptions import ConnectionError as RedisDown

        registered = False
        delay = 1.0
        while True:
            try:
                # Notice edited workflow files (and log a refused set) promptly.
                ports.engine().refresh()
                if not registered:
                    cron.register_birth()
                    registered = True
                if cron.enqueue_jobs():
                    cron.save()
                cron.heartbeat()
                delay = max(min(cron.calculate_sleep_interval(), 5.0), 0.5)
            except RedisDown as exc:
                # One line, not a traceback every few seconds: the outage is logged by the
                # work loop too, and the outbox keeps every job until Redis is back.
                log.warning("cron: Redis is unreachable (%s)", exc)
                delay = min(max(delay, 1.0) * 2, MAX_BACKOFF)
            except Exception:
                log.exception("cron loop failed; retrying")
                delay = 5.0
            time.sleep(delay)

    thread = threading.Thread(target=loop, name="ccc-cron", daemon=True)
    thread.start()
    return thread
