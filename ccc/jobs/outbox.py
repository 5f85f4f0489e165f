"""Scheduling work in the same transaction as the change that needs it.

`schedule` writes an `OutboxJob` row and remembers its id on the session; once the transaction
commits, the owner of the session hands those ids to the dispatcher. A job that was rolled back
never runs, and a committed one is never lost: if Redis is down, the periodic sweep finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, and_, col, or_, select

from ccc.jobs.dispatch import Scheduled
from ccc.jobs.models import OutboxJob
from ccc.jobs.registry import route
from ccc.kernel.timeutil import utcnow

_PENDING_KEY = "ccc.outbox.pending"
OUTBOX: Table = OutboxJob.__table__  # type: ignore[attr-defined]


def scheduled(
    job_id: int,
    kind: str,
    payload: Mapping[str, Any],
    *,
    fresh: bool = False,
    at: datetime | None = None,
) -> Scheduled:
    queue, order_key = route(kind, payload)
    return Scheduled(job_id, queue, order_key, fresh, at)


def schedule_again(session: Session, job: OutboxJob) -> None:
    """A job put back in the outbox for later (a deferred send, a retry) is handed to the
    dispatcher once this transaction commits, to run at its new `available_at` rather than at
    the next sweep after it (5 s apart, and never within `FRESH_GRACE` of the row's creation).
    The sweep still finds it should that hand-over be lost."""
    assert job.id is not None
    pending: list[Scheduled] = session.info.setdefault(_PENDING_KEY, [])
    pending.append(scheduled(job.id, job.kind, job.payload, at=job.available_at))


def schedule(
    session: Session, kind: str, *, available_at: datetime | None = None, **payload: Any
) -> Scheduled:
    """Write the job's row in the caller's transaction; it is handed out once that commits.

    One Core `INSERT … RETURNING id`, not the ORM's add and flush, and no `OutboxJob` object
    made for it: the unit of work and the model's constructor cost an inbound webhook a fifth
    of its CPU (bench/webhook_costs.py). What is returned is the job as a dispatcher sees it,
    its `id` the row's; the row itself is changed through the session, as any other
    (`session.get(OutboxJob, job.id)`)."""
    now = utcnow()
    due = available_at or now
    job_id = _insert(session, kind, payload, due, now)
    if due > now:
        return scheduled(job_id, kind, payload, at=due)
    return _pending(session, scheduled(job_id, kind, payload, fresh=True))


def schedule_held(session: Session, kind: str, **payload: Any) -> OutboxJob:
    """`schedule` for a job due now whose row this transaction changes again: the row is also
    put in the session as it was written, without reading it back (a worker's turn claims its
    replies before it commits, `ccc.jobs.runner`; `session.get` then finds the row there). The
    caller holds the object until the commit: the session's map of rows is weak."""
    now = utcnow()
    job_id = _insert(session, kind, payload, now, now)
    _pending(session, scheduled(job_id, kind, payload, fresh=True))
    job = OutboxJob(
        id=job_id, kind=kind, payload=payload, status="pending", attempts=0,
        available_at=now, created_at=now,
    )  # fmt: skip
    make_transient_to_detached(job)
    session.add(job)
    return job


def _insert(
    session: Session, kind: str, payload: dict[str, Any], due: datetime, now: datetime
) -> int:
    job_id: int = session.execute(
        _INSERT_JOB,
        {"kind": kind, "payload": payload, "status": "pending", "attempts": 0,
         "available_at": due, "created_at": now},
    ).scalar_one()  # fmt: skip
    return job_id


def _pending(session: Session, job: Scheduled) -> Scheduled:
    pending: list[Scheduled] = session.info.setdefault(_PENDING_KEY, [])
    pending.append(job)
    return job


_INSERT_JOB = insert(OUTBOX).returning(OUTBOX.c.id)


_BACKGROUND_KEY = "ccc.outbox.background"


def run_in_background(session: Session) -> None:
    """Ask that this transaction's jobs do not hold up the response (webhooks)."""
    session.info[_BACKGROUND_KEY] = True


def wants_background(session: Session) -> bool:
    return bool(session.info.pop(_BACKGROUND_KEY, False))


def take_scheduled(session: Session) -> list[Scheduled]:
    """The jobs scheduled in this session's transaction, cleared for the next one."""
    jobs: list[Scheduled] = session.info.pop(_PENDING_KEY, [])
    return jobs


def scheduled_count(session: Session) -> int:
    """How many jobs this transaction has scheduled so far: a mark for `drop_scheduled_after`."""
    return len(session.info.get(_PENDING_KEY, []))


def drop_scheduled_after(session: Session, mark: int) -> None:
    """Forget the jobs scheduled since `mark`: their rows went with a rolled-back savepoint."""
    pending: list[Scheduled] = session.info.get(_PENDING_KEY, [])
    del pending[mark:]


def scheduled_now(session: Session, queue: str) -> list[Scheduled]:
    """The jobs this transaction has written so far for that queue, due now, in order: a turn's
    replies, which the turn's worker may claim before it commits (`ccc.jobs.runner`)."""
    pending: list[Scheduled] = session.info.get(_PENDING_KEY, [])
    return [job for job in pending if job.queue == queue and job.fresh and job.at is None]


def unschedule(session: Session, job_id: int) -> None:
    """This transaction's job is not to be handed to the dispatcher after the commit: the
    transaction claimed it for its own worker, which runs it once it has committed."""
    pending: list[Scheduled] = session.info.get(_PENDING_KEY, [])
    pending[:] = [job for job in pending if job.id != job_id]


def forget_scheduled(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


# A job enqueued this recently is assumed to be in Redis already, waiting for a worker.
ENQUEUE_GRACE = timedelta(seconds=60)
FRESH_GRACE = timedelta(seconds=10)


def due_jobs(session: Session, *, now: datetime | None = None, limit: int = 200) -> list[Scheduled]:
    """Jobs nobody is running that should run: pending ones that are due, and running ones
    whose lease has run out (their worker died mid-call). Either kind is skipped while a
    dispatcher handed it out recently."""
    now = now or utcnow()
    due = and_(
        OutboxJob.status == "pending",
        col(OutboxJob.available_at) <= now,
        col(OutboxJob.created_at) <= now - FRESH_GRACE,
    )
    abandoned = and_(OutboxJob.status == "running", col(OutboxJob.lease_until) <= now)
    rows = session.exec(
        select(OutboxJob.id, OutboxJob.kind, OutboxJob.payload)
        .where(
            or_(due, abandoned),
            or_(
                col(OutboxJob.enqueued_at).is_(None),
                col(OutboxJob.enqueued_at) <= now - ENQUEUE_GRACE,
            ),
        )
        .order_by(col(OutboxJob.available_at), col(OutboxJob.id))
        .limit(limit)
    ).all()
    return [scheduled(job_id, kind, payload) for job_id, kind, payload in rows if job_id]
