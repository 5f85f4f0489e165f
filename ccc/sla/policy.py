"""What an SLA policy is, as the core sees it: durations counted on a clock.

The policies themselves are data (the `sla:` mapping of a rules file) and the clocks are the
calendars of `calendars.yaml`; both live in `workflows/`, which the core does not import. The
workflows package hands the core a `PolicySource` at start (`use`), exactly as the composition
root hands it the channel adapters. Until then, and in tests of the core alone, the built-in
source counts plain elapsed hours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Business time: `workflows.calendars.hours.Calendar` is one, `Elapsed` is the trivial one."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def elapsed(self, start: datetime, end: datetime) -> timedelta: ...


class Elapsed:
    """Every hour counts: the `always` calendar."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return end - start


@dataclass(frozen=True)
class TicketPolicy:
    first_response: timedelta
    resolution: timedelta
    calendar: str = "always"
    # After an agent's reply, a new message from the person must be answered within this;
    # None: no next-response clock.
    next_response: timedelta | None = None
    # A warning fires once this share of a clock's business time has passed.
    warn_at: float = 0.8
    # Ask the person how satisfied they were once the ticket is resolved.
    survey: bool = True


@dataclass(frozen=True)
class ReferralPolicy:
    acceptance: timedelta
    calendar: str = "always"


class PolicySource(Protocol):
    def ticket_policy(self, *, category: str, priority: str, sensitivity: str) -> TicketPolicy: ...

    def referral_policy(self, *, team: str) -> ReferralPolicy: ...

    def clock(self, name: str) -> Clock: ...


class BuiltIn:
    """Plain elapsed hours: what CCC did before SLA policies were data."""

    ticket = TicketPolicy(first_response=timedelta(hours=24), resolution=timedelta(hours=168))
    referral = ReferralPolicy(acceptance=timedelta(hours=72))

    def ticket_policy(self, *, category: str, priority: str, sensitivity: str) -> TicketPolicy:
        return self.ticket

    def referral_policy(self, *, team: str) -> ReferralPolicy:
        return self.referral

    def clock(self, name: str) -> Clock:
        return Elapsed()


_source: Callable[[], PolicySource] = BuiltIn


def use(source: Callable[[], PolicySource]) -> None:
    """Where policies come from: called once by `workflows` at start. A callable, so a reloaded
    rules file is seen at once."""
    global _source
    _source = source


def policies() -> PolicySource:
    return _source()
