"""What the core asks of the engine in `workflows/`, owned here so the core never imports it.

The composition root (`ccc/api/wiring.py`) binds an implementation at start (`bind`), as it
hands the core its channel adapters and `ccc.sla.policy` its SLA policies. A job that runs in
a process which never bound the engine fails loudly (`EngineNotBound`): a wiring mistake, not
bad data. The SLA policies and their calendars are the other port, `ccc.sla.policy`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlmodel import Session


class OpeningHours(Protocol):
    """A business calendar as the callback ladder reads it."""

    def add(self, start: datetime, duration: timedelta) -> datetime: ...

    def is_open(self, at: datetime) -> bool: ...

    def next_open(self, at: datetime) -> datetime | None: ...


class Engine(Protocol):
    def chatbot_turn(self, session: Session, identity_id: int, *, timeout_hours: float) -> None:
        """One turn of the chatbot for the messages an identity has waiting."""

    def callback_sms(self, *, language: str | None, reference: str) -> str:
        """The SMS a person gets when the centre could not reach them, in their language."""

    def opening_hours(self, calendar: str) -> OpeningHours | None:
        """A calendar of the workflow files in force, None when there is none of that name."""

    def calendar_names(self) -> set[str]:
        """The calendars of the workflow files in force."""

    def fire_idle(self, session: Session) -> int:
        """Run the rules listening for idle tickets; how many fired."""

    def refresh(self) -> None:
        """Notice edited workflow files (and log a refused set) now rather than later."""

    def health(self) -> dict[str, object]:
        """The state of the workflow files, for `/healthz`."""


class EngineNotBound(RuntimeError):
    """The core asked for the engine in a process whose composition root never bound it."""


_engine: Engine | None = None


def bind(engine: Engine | None) -> None:
    global _engine
    _engine = engine


def engine() -> Engine:
    if _engine is None:
        raise EngineNotBound("no engine: ccc/api/wiring.py binds it at start (bootstrap)")
    return _engine
