"""`ccc worker`: an RQ worker for the job queue, with RQ's cron for the periodic jobs."""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from ccc.jobs.dispatch import QUEUE_NAME
from ccc.kernel.runtime import Runtime, set_runtime

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5
SLA_SECONDS = 30  # a warning or breach is found within a minute of its time
HOURLY = 3600
MAX_BACKOFF = 30.0


def run_worker(runtime: Runtime) -> int:
    """Work until asked to stop. When Redis goes away, RQ's work loop quits; this one waits
    for Redis with backoff and starts it again, so a Redis restart needs no outside
    supervisor (the outbox keeps every job meanwhile, and the sweep hands them out again)."""
    settings = runtime.settings
    if not settings.redis_url:
        log.error("CCC_REDIS_URL is not set: without Redis, `ccc serve` runs the jobs itself")
        return 2
    from redis import Redis
    from rq import Queue, Worker

    set_runtime(runtime)
    connection = Redis.from_url(settings.redis_url, socket_connect_timeout=2)
    _start_cron(connection)
    stopping = threading.Event()
    while not stopping.is_set():
        worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
        try:
            worker.work(with_scheduler=False)
        except Exception:
            log.exception("the worker stopped on an error")
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


def _start_cron(connection: object) -> threading.Thread:
    """RQ's CronScheduler, looped in a thread so one process serves both roles.

    Several workers each running the cron only means more sweeps; every job they enqueue is
    idempotent (an outbox row runs once, a closed ticket stays closed).
    """
    from rq.cron import CronScheduler

    from ccc.jobs.periodic import close_quiet_tickets, forget_abandoned_intakes, sweep_outbox
    from ccc.sla.tasks import check_slas
    from workflows.rules.engine import idle_sweep

    cron = CronScheduler(connection=connection)  # type: ignore[arg-type]
    cron.register(sweep_outbox, QUEUE_NAME, interval=SWEEP_SECONDS, result_ttl=0)
    cron.register(close_quiet_tickets, QUEUE_NAME, interval=HOURLY, result_ttl=0)
    cron.register(forget_abandoned_intakes, QUEUE_NAME, interval=HOURLY, result_ttl=0)
    cron.register(check_slas, QUEUE_NAME, interval=SLA_SECONDS, result_ttl=0)
    cron.register(idle_sweep, QUEUE_NAME, interval=HOURLY, result_ttl=0)

    def loop() -> None:
        from redis.exceptions import ConnectionError as RedisDown

        from workflows.files.library import current

        registered = False
        delay = 1.0
        while True:
            try:
                current()  # notice edited workflow files (and log a refused set) promptly
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
