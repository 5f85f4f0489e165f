"""Running one outbox job, and the sweep that finds the ones nobody ran.

`run_job` is what RQ calls (by import path) and what the in-process dispatcher calls. It locks
the row, so two deliveries of the same job (a sweep racing the first enqueue) run it once.

A job's handler runs inside the job's transaction. An external kind (see `registry.External`)
makes a network call, and no transaction may stay open across one: on SQLite it would hold the
process-wide write lock, on PostgreSQL row locks, for as long as the API takes. So it runs in
two transactions: the first claims the row (`running`, with a lease) and prepares the call; the
call is made with nothing open; the second stores what it did. A worker that dies in between
leaves the row `running`; once the lease runs out, the sweep hands it out again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import update
from sqlmodel import Session

from ccc.jobs.dispatch import SEND_QUEUE_NAME, RQDispatcher
from ccc.jobs.models import OutboxJob
from ccc.jobs.outbox import schedule_again, scheduled_now, unschedule
from ccc.jobs.registry import (
    KINDS,
    Deferred,
    External,
    JobKind,
    JobNotFound,
    Outcome,
    RetryLater,
    backoff,
)
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow

if TYPE_CHECKING:
    from ccc.jobs.dispatch import RQDispatcher, Scheduled
    from ccc.kernel.runtime import Runtime

log = logging.getLogger(__name__)

T = TypeVar("T")

# How long a claimed external job is left alone. Delivery is at least once: a job whose lease
# runs out is run again, and a send run again may reach the person twice. So the lease is far
# longer than any call can last (the HTTP clients time out after 15 s a request, the worker kills
# a job after `CCC_JOB_TIMEOUT`, 120 s by default) and runs out only when its worker is gone.
LEASE = timedelta(minutes=5)


def lease() -> timedelta:
    """`LEASE`, or twice the job timeout where that is set longer."""
    timeout = get_runtime().settings.job_timeout_seconds
    return max(LEASE, timedelta(seconds=2 * timeout))


@dataclass(frozen=True)
class Claim:
    """An external job taken by this worker: the attempt that took it, and the call owed."""

    job_id: int
    attempt: int
    steps: External[Any, Any]
    item: Any


# While a worker runs a turn (`run_job`): the replies that turn's transaction claimed, once it
# has committed. None elsewhere: there, replies go through the dispatcher as any job does.
_TURN_CLAIMS: ContextVar[list[Claim] | None] = ContextVar("ccc_turn_claims", default=None)
_CLAIMED_KEY = "ccc.runner.claimed"


def run_job(job_id: int, order_key: str | None = None) -> None:
    """RQ's entry point. A job with an order key (one person's turn) first takes that key's
    lock in Redis, before any transaction, so another worker's turn of the same person waits
    without holding a database connection, and one person's messages are handled in order."""
    runtime = get_runtime()
    dispatcher = runtime.dispatcher
    if order_key is None or not isinstance(dispatcher, RQDispatcher):
        _run(runtime, job_id)
        return
    with dispatcher.in_order(order_key, seconds=dispatcher.job_timeout + 30):
        with _replies_here(dispatcher) as (replies, claims):
            _run(runtime, job_id)
        # Still under the person's order lock, so one person's replies leave in order: first
        # those the turn claimed, then any it could not (they come after them).
        _send_claimed(runtime, claims)
        _send_here(runtime, dispatcher, replies)


@contextmanager
def _replies_here(dispatcher: object) -> Iterator[tuple[list[Scheduled], list[Claim]]]:
    """The sends a turn schedules, run by this job right after the turn commits instead of a
    round through Redis and a second job: a reply waits for nothing, and the worker's per-job
    bookkeeping is done once. Most are claimed inside the turn's own transaction
    (`_claim_replies`); any other is kept by the worker's dispatcher (`ccc.jobs.worker`)."""
    hold = getattr(dispatcher, "holding_sends", None)
    if hold is None:
        yield [], []
        return
    claims: list[Claim] = []
    token = _TURN_CLAIMS.set(claims)
    try:
        with hold() as held:
            yield held, claims
    finally:
        _TURN_CLAIMS.reset(token)


def _claim_replies(session: Session) -> list[Claim]:
    """Claim the turn's replies in the turn's transaction, as a send job's first transaction
    would (`_claim`): prepared, counted, and `running` under a lease (or done, when there is
    nothing to call). That spares each reply a transaction of its own, which locked and read
    again the rows this one has just written.

    In order, and only while the sender's bucket gives a token: a reply refused one stays
    pending, and so do those after it (they must not overtake it), for `_send_here`. The crash
    points are a send job's: a worker that dies before the commit takes the replies' rows with
    the turn's (the turn runs again); after it, a claimed reply's lease runs out and the sweep
    hands it out again, as after a send job's claim; after the call, the same.
    """
    claims: list[Claim] = []
    for scheduled in scheduled_now(session, SEND_QUEUE_NAME):
        job = session.get(OutboxJob, scheduled.id)
        kind = KINDS.get(job.kind) if job is not None else None
        steps = kind.external if kind is not None else None
        if job is None or steps is None or steps.prepare_own is None:
            break
        try:
            item = steps.prepare_own(session, **job.payload)
        except Deferred:
            break
        unschedule(session, scheduled.id)
        job.attempts += 1
        if item is None:
            _finish(job, "done", None)
            continue
        job.status = "running"
        job.lease_until = utcnow() + lease()
        claims.append(Claim(scheduled.id, job.attempts, steps, item))
    return claims


def _send_claimed(runtime: Runtime, claims: list[Claim]) -> None:
    """The calls of the replies the turn claimed, its transaction committed, each stored in a
    transaction of its own as a send job's second. Should one fail unexpectedly (the database
    gone), the rest stay claimed: their leases run out and the sweep sends them, once."""
    for claim in claims:
        try:
            _call_and_complete(runtime, claim)
        except Exception:
            log.exception("reply job %s failed here; the sweep takes it up", claim.job_id)
            return


def _send_here(runtime: Runtime, dispatcher: RQDispatcher, jobs: list[Scheduled]) -> None:
    """Run the sends kept by `_replies_here`. Their rows are committed and were never in Redis:
    should this process die first, the sweep hands them out (they are pending, not enqueued).
    Should one fail unexpectedly, it and the rest go to Redis as any send does."""
    for index, job in enumerate(jobs):
        try:
            _run(runtime, job.id)
        except Exception:
            log.exception("reply job %s failed here; it goes to the send queue", job.id)
            dispatcher.dispatch(jobs[index:])
            return


def _run(runtime: Runtime, job_id: int) -> None:
    try:
        with runtime.unit_of_work() as session:
            claim = execute(session, job_id)
            replies: list[Claim] = session.info.pop(_CLAIMED_KEY, [])
    except StepFailed as failed:
        _record(runtime, failed)
        return
    if replies:
        claimed = _TURN_CLAIMS.get()
        assert claimed is not None
        claimed.extend(replies)
    if claim is not None:
        _call_and_complete(runtime, claim)


def _call_and_complete(runtime: Runtime, claim: Claim) -> None:
    outcome = perform(claim)
    try:
        with runtime.unit_of_work() as session:
            complete(session, claim, outcome)
    except StepFailed as failed:
        _record(runtime, failed)


class StepFailed(Exception):
    """A job's step raised. Its whole transaction is rolled back (the step ran in it without a
    savepoint), and `record_failure` settles the job in a new one: a savepoint around every
    step cost three statements on every job (the attempt flushed before it, SAVEPOINT and
    RELEASE) to spare a second transaction on the rare one that fails."""

    def __init__(self, job_id: int, error: Exception, claim: Claim | None) -> None:
        super().__init__(f"job {job_id}: {type(error).__name__}: {error}")
        self.job_id = job_id
        self.error = error
        # The attempt that failed in its second phase (`complete`); None in the first.
        self.claim = claim


def _record(runtime: Runtime, failed: StepFailed) -> None:
    with runtime.unit_of_work() as session:
        record_failure(session, failed)


def execute(session: Session, job_id: int) -> Claim | None:
    """The job's first (for most kinds its only) transaction: lock the row and run the job,
    unless it is over or another worker holds it. Returns a claim when a call is still owed.
    Raises `StepFailed` when the job's step raised: the caller rolls back and records it."""
    job = _lock(session, job_id)
    if not _claimable(job, utcnow()):
        return None
    kind = KINDS.get(job.kind)
    if kind is None:
        _finish(job, "failed", f"unknown job kind {job.kind!r}")
        return None
    if job.status == "running" and _abandoned(session, job, kind):
        return None
    if kind.external is not None:
        return _claim(session, job, kind.external)
    assert kind.handler is not None
    handler = kind.handler
    # The row changes only after the step, so the step's first query does not flush them as
    # an UPDATE of their own: the job is written once, with its outcome.
    _step(job, None, lambda: handler(session, **job.payload))
    if _TURN_CLAIMS.get() is not None:
        session.info[_CLAIMED_KEY] = _step(job, None, lambda: _claim_replies(session))
    job.attempts += 1
    _finish(job, "done", None)
    return None


def perform(claim: Claim) -> Outcome[Any]:
    """The call, with no session and no transaction open. Its exception is handed to `finish`,
    which knows a permanent failure from one that may pass."""
    try:
        return Outcome(result=claim.steps.perform(claim.item))
    except Exception as exc:
        return Outcome(error=exc)


def complete(session: Session, claim: Claim, outcome: Outcome[Any]) -> None:
    """The second transaction: `finish`, then done (or `StepFailed`, as after a handler).

    Unless the row is no longer this attempt's: its lease ran out and another worker took the
    job again. That worker's call counts, and this outcome is dropped.

    One UPDATE, conditional on the attempt, both locks the row and marks it done (and is rolled
    back with the rest should `finish` raise): it does what loading the row `FOR UPDATE`, checking
    it and writing it back did, in one statement and without building the row's object.
    """
    table = OutboxJob.__table__  # type: ignore[attr-defined]
    taken = session.execute(
        update(table)
        .where(
            table.c.id == claim.job_id,
            table.c.status == "running",
            table.c.attempts == claim.attempt,
        )
        .values(status="done", lease_until=None, last_error=None, finished_at=utcnow())
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        log.warning(
            "job %s: attempt %s ended after another took over; its outcome is dropped",
            claim.job_id,
            claim.attempt,
        )
        return
    _step(claim.job_id, claim, lambda: claim.steps.finish(session, claim.item, outcome))


def record_failure(session: Session, failed: StepFailed) -> None:
    """The failed attempt, in its own transaction after the step's was rolled back: counted,
    what the error asks to keep kept, and the job retried later or given up. Nothing is
    recorded when the row moved on meanwhile (another delivery of the job ran it)."""
    job = _lock(session, failed.job_id)
    if failed.claim is not None:
        if not _still_ours(job, failed.claim):
            return
    else:
        if not _claimable(job, utcnow()):
            return
        job.attempts += 1
    error = failed.error
    if not isinstance(error, RetryLater):
        log.error(
            "job %s (%s) failed on attempt %s",
            job.id,
            job.kind,
            job.attempts,
            exc_info=(type(error), error, error.__traceback__),
        )
        _retry_or_give_up(session, job, f"{type(error).__name__}: {error}", None)
        _again_when_due(session, job)
        return
    if error.keep is not None:
        with session.begin_nested():
            error.keep(session)
    if isinstance(error, Deferred):
        _defer(job, error)
    else:
        _retry_or_give_up(session, job, error.reason, error.delay)
    _again_when_due(session, job)


def _again_when_due(session: Session, job: OutboxJob) -> None:
    """A job put back for later runs at its due time (`outbox.schedule_again`)."""
    if job.status == "pending":
        schedule_again(session, job)


def _still_ours(job: OutboxJob, claim: Claim) -> bool:
    if (job.status, job.attempts) == ("running", claim.attempt):
        return True
    log.warning(
        "job %s (%s): attempt %s ended after another took over; its outcome is dropped",
        job.id,
        job.kind,
        claim.attempt,
    )
    return False


def _lock(session: Session, job_id: int) -> OutboxJob:
    job = session.get(OutboxJob, job_id, with_for_update=True)
    if job is None:
        raise JobNotFound(f"outbox job {job_id} does not exist")
    return job


def _claimable(job: OutboxJob, now: datetime) -> bool:
    """Pending, or `running` under a lease that has run out: its worker is presumed dead."""
    if job.status == "pending":
        return True
    return job.status == "running" and job.lease_until is not None and job.lease_until <= now


def _abandoned(session: Session, job: OutboxJob, kind: JobKind) -> bool:
    """A job whose worker died counts that attempt as failed: a job that kills its worker
    every time (out of memory, say) must not be handed out for ever. True if it gave up."""
    reason = f"attempt {job.attempts} never finished: its worker stopped"
    log.warning("job %s (%s): %s", job.id, job.kind, reason)
    if job.attempts >= kind.attempts():
        _give_up(session, job, kind, reason)
        return True
    job.last_error = reason
    return False


def _claim(session: Session, job: OutboxJob, steps: External[Any, Any]) -> Claim | None:
    """Prepare the job's call and mark it `running` under a lease. The caller commits this
    before the call is made, so nothing stays locked while it is in flight."""
    item = _step(job, None, lambda: steps.prepare(session, **job.payload))
    job.attempts += 1
    if item is None:
        _finish(job, "done", None)
        return None
    job.status = "running"
    job.lease_until = utcnow() + lease()
    assert job.id is not None
    return Claim(job.id, job.attempts, steps, item)


def _step(job: OutboxJob | int, claim: Claim | None, step: Callable[[], T | None]) -> T | None:
    """Run one step of an attempt; any exception becomes `StepFailed`, which rolls the whole
    transaction back (the step's changes with it) for `record_failure` to settle the job."""
    try:
        return step()
    except Exception as exc:
        job_id = job if isinstance(job, int) else job.id
        assert job_id is not None
        raise StepFailed(job_id, exc, claim) from exc


def _retry_or_give_up(session: Session, job: OutboxJob, reason: str, hint: float | None) -> None:
    kind = KINDS[job.kind]
    if job.attempts >= kind.attempts():
        _give_up(session, job, kind, reason)
        return
    job.status = "pending"
    job.lease_until = None
    job.last_error = reason[:500]
    job.available_at = utcnow() + timedelta(seconds=backoff(job.attempts, hint))
    job.enqueued_at = None


def _defer(job: OutboxJob, deferred: Deferred) -> None:
    """Back to the outbox, due after the delay, the attempt not counted (a sender's pace)."""
    job.attempts -= 1
    job.status = "pending"
    job.lease_until = None
    job.last_error = deferred.reason[:500]
    job.available_at = utcnow() + timedelta(seconds=deferred.delay)
    job.enqueued_at = None


def _give_up(session: Session, job: OutboxJob, kind: JobKind, reason: str) -> None:
    _finish(job, "failed", reason)
    if kind.on_give_up is not None:
        with session.begin_nested():
            kind.on_give_up(session, job, reason)


def _finish(job: OutboxJob, status: str, error: str | None) -> None:
    job.status = status
    job.lease_until = None
    job.last_error = error[:500] if error else None
    job.finished_at = utcnow()
