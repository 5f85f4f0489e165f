"""Running one outbox job, and the sweep that finds the ones nobody ran.

`run_job` is what RQ calls (by import path) and what the in-process dispatcher calls. It locks
the row, so two deliveries of the same job (a sweep racing the first enqueue) run it once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from ccc.jobs.registry import KINDS, JobNotFound, RetryLater, backoff
from ccc.models import OutboxJob
from ccc.timeutil import utcnow

log = logging.getLogger(__name__)

# A job enqueued this recently is assumed to be in Redis already, waiting for a worker.
ENQUEUE_GRACE = timedelta(seconds=60)
FRESH_GRACE = timedelta(seconds=10)


def run_job(job_id: int) -> None:
    from ccc.runtime import get_runtime

    runtime = get_runtime()
    with runtime.unit_of_work() as session:
        execute(session, job_id)


def execute(session: Session, job_id: int) -> None:
    job = session.get(OutboxJob, job_id, with_for_update=True)
    if job is None:
        raise JobNotFound(f"outbox job {job_id} does not exist")
    if job.status != "pending":
        return
    kind = KINDS.get(job.kind)
    if kind is None:
        _finish(job, "failed", f"unknown job kind {job.kind!r}")
        return
    job.attempts += 1
    try:
        with session.begin_nested():
            kind.handler(session, **job.payload)
    except RetryLater as exc:
        if exc.keep is not None:
            with session.begin_nested():
                exc.keep(session)
        _retry_or_give_up(session, job, exc.reason, exc.delay)
    except Exception as exc:
        log.exception("job %s (%s) failed on attempt %s", job.id, job.kind, job.attempts)
        _retry_or_give_up(session, job, f"{type(exc).__name__}: {exc}", None)
    else:
        _finish(job, "done", None)
    session.add(job)


def _retry_or_give_up(session: Session, job: OutboxJob, reason: str, hint: float | None) -> None:
    kind = KINDS[job.kind]
    if job.attempts >= kind.attempts():
        _finish(job, "failed", reason)
        if kind.on_give_up is not None:
            with session.begin_nested():
                kind.on_give_up(session, job, reason)
        return
    job.last_error = reason[:500]
    job.available_at = utcnow() + timedelta(seconds=backoff(job.attempts, hint))
    job.enqueued_at = None


def _finish(job: OutboxJob, status: str, error: str | None) -> None:
    job.status = status
    job.last_error = error[:500] if error else None
    job.finished_at = utcnow()


def due_jobs(session: Session, *, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Pending jobs that are due and that no dispatcher has handed out recently."""
    now = now or utcnow()
    rows = session.exec(
        select(OutboxJob.id)
        .where(
            OutboxJob.status == "pending",
            col(OutboxJob.available_at) <= now,
            col(OutboxJob.created_at) <= now - FRESH_GRACE,
            or_(
                col(OutboxJob.enqueued_at).is_(None),
                col(OutboxJob.enqueued_at) <= now - ENQUEUE_GRACE,
            ),
        )
        .order_by(col(OutboxJob.available_at), col(OutboxJob.id))
        .limit(limit)
    ).all()
    return [job_id for job_id in rows if job_id is not None]
