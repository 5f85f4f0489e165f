"""Job kinds: plain functions taking the session first and ids as keywords.

Most kinds are one `handler`, run inside the job's transaction. A kind whose work is a network
call (sending a message) is `External`: its call is made between two short transactions, since
a transaction held across a slow API would hold SQLite's write lock, or PostgreSQL's row locks,
for as long as the API takes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlmodel import Session

from ccc.jobs.dispatch import BULK_SEND_QUEUE_NAME, QUEUE_NAME, SEND_QUEUE_NAME
from ccc.jobs.models import OutboxJob

Handler = Callable[..., None]
GiveUp = Callable[[Session, OutboxJob, str], None]
ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

# Seconds to wait before attempt 2, 3, ...; the last value repeats.
BACKOFF = (5.0, 30.0, 120.0, 600.0, 1800.0)


class RetryLater(Exception):
    """Raised by a handler for a failure that may pass (timeout, 5xx, rate limit).

    The handler's own changes are rolled back with its transaction; `keep` runs afterwards, in
    the new transaction that reschedules the job (`runner.record_failure`), to save what must
    survive the failed attempt (the error an agent should see, the SMS parts that did go out).
    """

    def __init__(
        self,
        reason: str,
        *,
        delay: float | None = None,
        keep: Callable[[Session], None] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay
        self.keep = keep


class Deferred(RetryLater):
    """Raised by a step that may not run yet and is not failing: a send whose sender has no
    token left, or that the provider asked to slow down (429). The job goes back to the
    outbox, due in `delay` seconds, and the attempt is not counted: however long a sender is
    throttled, its messages are never given up for that."""

    def __init__(
        self, reason: str, *, delay: float, keep: Callable[[Session], None] | None = None
    ) -> None:
        super().__init__(reason, delay=delay, keep=keep)
        self.delay: float = delay


class JobNotFound(Exception):
    """The outbox row a job names is gone: raised loudly, since that should never happen."""


@dataclass(frozen=True)
class Outcome(Generic[ResultT]):
    """What `perform` did, handed to `finish`: its result, or the exception it raised."""

    result: ResultT | None = None
    error: Exception | None = None

    def unwrap(self) -> ResultT:
        """The result, or the call's exception raised again, so `finish` can catch what it
        knows (a `SendError`) and let anything else fail the attempt as a handler's would."""
        if self.error is not None:
            raise self.error
        return cast(ResultT, self.result)


@dataclass(frozen=True)
class External(Generic[ItemT, ResultT]):
    """A job kind in two phases around a network call, with no transaction open during it.

    `prepare(session, **payload)` reads what the call needs and returns it as a plain, immutable
    item (no ORM rows: the session is gone by the time it is used), or None when there is
    nothing to call. `perform(item)` makes the call, with no session at all. `finish(session,
    item, outcome)` stores the result or the error, in a second transaction; like a handler it
    may raise `RetryLater`.

    `prepare_own(session, **payload)`, when given, is `prepare` for a job whose row and rows the
    same transaction has just written (a turn's reply, claimed in the turn's transaction by
    `ccc.jobs.runner`): nobody else can see them yet, so they need no lock and no reading again.
    """

    prepare: Callable[..., ItemT | None]
    perform: Callable[[ItemT], ResultT]
    finish: Callable[[Session, ItemT, Outcome[ResultT]], None]
    prepare_own: Callable[..., ItemT | None] | None = None


@dataclass(frozen=True)
class JobKind:
    """How to run one kind of job: a `handler`, or the three steps of an `external` kind."""

    name: str
    max_attempts: int | Callable[[], int]
    on_give_up: GiveUp | None
    handler: Handler | None = None
    external: External[Any, Any] | None = None
    # The RQ queue its jobs wait on: sends on their own, which workers serve first.
    queue: str = QUEUE_NAME
    # A payload key whose jobs run one at a time and in order (a person's turns): see
    # `ccc.jobs.runner.run_job`.
    order_by: str | None = None
    # Where its jobs wait whose payload says `bulk` (mass sends, behind replies and turns).
    bulk_queue: str | None = None

    def __post_init__(self) -> None:
        if (self.handler is None) == (self.external is None):
            raise ValueError(f"job kind {self.name!r} needs a handler or external steps")

    def attempts(self) -> int:
        return self.max_attempts() if callable(self.max_attempts) else self.max_attempts


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str,
    *,
    max_attempts: int | Callable[[], int] = 5,
    on_give_up: GiveUp | None = None,
    order_by: str | None = None,
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        KINDS[name] = JobKind(name, max_attempts, on_give_up, handler=handler, order_by=order_by)
        return handler

    return register


def external_job_kind(
    name: str,
    steps: External[Any, Any],
    *,
    max_attempts: int | Callable[[], int] = 5,
    on_give_up: GiveUp | None = None,
    queue: str = SEND_QUEUE_NAME,
    bulk_queue: str | None = BULK_SEND_QUEUE_NAME,
) -> None:
    KINDS[name] = JobKind(
        name, max_attempts, on_give_up, external=steps, queue=queue, bulk_queue=bulk_queue
    )


def backoff(attempt: int, hint: float | None = None) -> float:
    """Delay before the next try after `attempt` failed tries; never shorter than a hint."""
    base = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
    return max(base, hint or 0.0)


def route(kind: str, payload: Mapping[str, Any]) -> tuple[str, str | None]:
    """The queue a job of this kind waits on, and its order key (None: no order to keep)."""
    known = KINDS.get(kind)
    if known is None:
        return QUEUE_NAME, None
    if known.bulk_queue is not None and payload.get("bulk"):
        return known.bulk_queue, None
    if known.order_by is None or payload.get(known.order_by) is None:
        return known.queue, None
    return known.queue, f"{known.order_by}:{payload[known.order_by]}"
