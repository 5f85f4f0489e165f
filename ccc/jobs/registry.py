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
    """Raised by a handler for a failure that may pass (timeout, 5xx, rate limit)."""

    def __init__(self, reason: str, *, delay: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delay = delay


class JobNotFound(Exception):
    """The outbox row a job names is gone: raised loudly, since that should never happen."""


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    max_attempts: int
    on_give_up: GiveUp | None


KINDS: dict[str, JobKind] = {}


def job_kind(
    name: str, *, max_attempts: int = 5, on_give_up: GiveUp | None = None
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
