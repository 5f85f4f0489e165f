"""The calls told "all our lines are busy" in a surge, written down a second later in one
transaction.

The busy answer writes nothing: in a surge, a new call's transaction is the work being shed
(`bots.twilio.voice._busy`). But a centre must still know who tried to reach it: the report's
calls received count them (as `turned_away`), and each caller is called back once a day as an
abandoned caller is. So each turned-away call is noted in memory and a thread of the web
process writes what was noted, about once a second, in one transaction: each call's record
(its caller's identity made if new) and one job that makes the callbacks in a worker
(`ccc.calls.tasks.TURNED_AWAY`), outside the surge's webhooks.

What is noted is written at a stop too; it is lost only if the process is killed within that
second; a failed write (the database away) is tried again
at the next second, keeping at most `MAX_WAITING` calls.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import State

from ccc.calls.service import record_turned_away
from ccc.calls.tasks import TURNED_AWAY
from ccc.jobs.outbox import schedule
from ccc.kernel.runtime import Runtime
from ccc.kernel.timeutil import utcnow

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
# A day-long surge of a few calls a second, should the database stay away that long.
MAX_WAITING = 100_000


@dataclass(frozen=True)
class TurnedAwayCall:
    call_sid: str
    phone: str | None
    at: datetime


class TurnedAwayBook:
    """The calls turned away by one web app, written by its own thread."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._noted: list[TurnedAwayCall] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def note(self, call_sid: str, phone: str | None) -> None:
        """Called on the event loop: appends and returns."""
        with self._lock:
            if len(self._noted) >= MAX_WAITING:
                log.error("%s turned-away calls wait to be written: dropped one", MAX_WAITING)
                del self._noted[0]
            self._noted.append(TurnedAwayCall(call_sid, phone, utcnow()))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_forever, name="ccc-turned-away", daemon=True
                )
                self._thread.start()

    def waiting(self) -> int:
        with self._lock:
            return len(self._noted)

    def write(self) -> int:
        """Writes what is noted, in one transaction; returns how many calls it recorded."""
        with self._write_lock:
            with self._lock:
                batch, self._noted = self._noted, []
            if not batch:
                return 0
            try:
                return self._store(batch)
            except Exception:
                log.exception("%s turned-away calls not written; tried again shortly", len(batch))
                with self._lock:
                    self._noted[:0] = batch[: MAX_WAITING - len(self._noted)]
                return 0

    def _store(self, batch: list[TurnedAwayCall]) -> int:
        with self.runtime.unit_of_work() as session:
            recorded = [
                record_turned_away(session, call_sid=c.call_sid, phone=c.phone, at=c.at)
                for c in batch
            ]
            ids = [call.id for call in recorded if call is not None and call.id is not None]
            if ids:
                schedule(session, TURNED_AWAY, call_ids=ids)
        log.info("%s calls turned away in a surge recorded", len(ids))
        return len(ids)

    def close(self) -> None:
        """At the app's shutdown: what is noted is written, and the thread ends."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.write()

    def _write_forever(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.write()


def turned_away_book(state: State, runtime: Runtime) -> TurnedAwayBook:
    """The app's book (made at its first turned-away call), closed at the app's shutdown."""
    book: TurnedAwayBook | None = getattr(state, "turned_away", None)
    if book is None:
        book = state.turned_away = TurnedAwayBook(runtime)
        closing: list[Callable[[], None]] | None = getattr(state, "closing", None)
        if closing is not None:  # an app served without its lifespan has no stop to wait for
            closing.append(book.close)
    return book
