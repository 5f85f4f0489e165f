"""Job kinds: plain functions taking the session first and ids as keywords."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from ccc.models import OutboxJob

Handler = Callable[..., None]
GiveUp = Callable[[Session, OutboxJob, str], None]

# Seconds to wait before attempt 2, 3, ...; the last value repeats.
BACKOFF = (5.0, 30.0, 120.0, 600.0, 1800.0)


class RetryLater(Exception):
    """Raised by a handler for a failure that may pass (timeout, 5xx, rate limit).

    The handler's own changes are rolled back with its savepoint; `keep` runs afterwards, in
    the same transaction as the rescheduled job, to save what must survive the failed attempt
    (the error an agent should see, the SMS parts that did go out).
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


class JobNotFound(Exception):
    """The outbox row a job names is gone: raised loudly, since that should never happen."""


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    max_attempts: int | Callable[[], int]
    on_give_up: GiveUp | None

    def attempts(self) -> int:
        return self.max_attempts() if callable(self.max_attempts) else self.max_attempts


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, max_attempts: int | Callable[[], int] = 5, on_give_up: GiveUp | None = None
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        KINDS[name] = JobKind(name, handler, max_attempts, on_give_up)
        return handler

    return register


def backoff(attempt: int, hint: float | None = None) -> float:
    """Delay before the next try after `attempt` failed tries; never shorter than a hint."""
    base = BACKOFF[min(attempt - 1, len(BACKOFF) - 1)]
    return max(base, hint or 0.0)


def describe(payload: dict[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(payload.items()))
