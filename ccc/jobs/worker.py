"""`ccc worker`: an RQ worker for the job queue, with RQ's cron for the periodic jobs."""

from __future__ import annotations

import logging
import threading

from ccc.jobs.dispatch import QUEUE_NAME
from ccc.kernel.runtime import Runtime, set_runtime

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5
SLA_SECONDS = 30  # a warning or breach is found within a minute of its time
HOURLY = 3600


def run_worker(runtime: Runtime) -> int:
    settings = runtime.settings
    if not settings.redis_url:
        log.error("CCC_REDIS_URL is not set: without Redis, `ccc serve` runs the jobs itself")
        return 2
    from redis import Redis
    from rq import Queue, Worker

    set_runtime(runtime)
    connection = Redis.from_url(settings.redis_url)
    _start_cron(connection)
    worker = Worker([Queue(QUEUE_NAME, connection=connection)], connection=connection)
    worker.work(with_scheduler=False)
    return 0


def _start_cron(connection: object) -> threading.Thread:
    """RQ's CronScheduler, looped in a thread so one process serves both roles.

    Several workers each running the cron only means more sweeps; every job they enqueue is
    idempotent (an outbox row runs once, a closed ticket stays closed).
    """
    from rq.cron import CronScheduler

    from ccc.jobs.periodic import close_quiet_tickets, forget_abandoned_intakes, sweep_outbox
    from ccc.sla.tasks import check_slas
    from workflows.routing import idle_sweep

    cron = CronScheduler(connection=connection)  # type: ignore[arg-type]
    cron.register(sweep_outbox, QUEUE_NAME, interval=SWEEP_SECONDS, result_ttl=0)
    cron.register(close_quiet_tickets, QUEUE_NAME, interval=HOURLY, result_ttl=0)
    cron.register(forget_abandoned_intakes, QUEUE_NAME, interval=HOURLY, result_ttl=0)
    cron.register(check_slas, QUEUE_NAME, interval=SLA_SECONDS, result_ttl=0)
    cron.register(idle_sweep, QUEUE_NAME, interval=HOURLY, result_ttl=0)

    def loop() -> None:
        import time

        from workflows.library import current

        cron.register_birth()
        while True:
            try:
                current()  # notice edited workflow files (and log a refused set) promptly
                if cron.enqueue_jobs():
                    cron.save()
                cron.heartbeat()
            except Exception:
                log.exception("cron loop failed; retrying")
            time.sleep(max(min(cron.calculate_sleep_interval(), 5.0), 0.5))

    thread = threading.Thread(target=loop, name="ccc-cron", daemon=True)
    thread.start()
    return thread
