"""The calls told "all our lines are busy" in a surge, written down once the surge eases.

The busy answer writes nothing: in a surge, a new call's transaction is the work being shed
(`bots.twilio.voice._busy`). But a centre must still know who tried to reach it: the report's
calls received count them (as `turned_away`), and each caller is called back once a day as an
abandoned caller is. So each turned-away call is noted in memory, and a thread of the web
process writes what was noted once no call has been turned away for `QUIET_SECONDS` (or once
the oldest has waited `WRITE_AT_LATEST`, in a long surge): each call's record, its caller's
identity made if new, `CHUNK` calls to a transaction, with one job a transaction that makes
their callbacks (`ccc.calls.tasks.TURNED_AWAY`, in a worker when there is Redis).

A write that fails because the database cannot be reached keeps its calls for the next try;
one that fails otherwise writes its calls one by one and drops, with a log line, only a call
that fails alone. At most `MAX_WAITING` calls are kept (the oldest go first). What is noted
is written at the app's stop too; it is lost if the process is killed, or stopped while the
database is away.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import State

from ccc.calls.service import end_call, record_turned_away
from ccc.calls.tasks import TURNED_AWAY
from ccc.jobs.outbox import run_in_background, schedule
from ccc.kernel.db import database_away
from ccc.kernel.phone import mask
from ccc.kernel.runtime import Runtime
from ccc.kernel.timeutil import utcnow

log = logging.getLogger(__name__)

FLUSH_SECONDS = 1.0
QUIET_SECONDS = 2.0
WRITE_AT_LATEST = 30.0
CHUNK = 200
# A day-long surge of a few calls a second, should the database stay away that long.
MAX_WAITING = 100_000


@dataclass(frozen=True)
class TurnedAwayCall:
    call_sid: str
    phone: str | None
    at: datetime
    noted: float  # time.monotonic()


@dataclass(frozen=True)
class CallEnd:
    """Twilio's status callback of a noted call, come before the call was written (in a long
    surge it comes a few seconds after the busy notice, and the write waits for a lull)."""

    status: str
    duration: int | None


class TurnedAwayBook:
    """The calls turned away by one web app, written by its own thread."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._noted: deque[TurnedAwayCall] = deque(maxlen=MAX_WAITING)
        self._waiting: set[str] = set()  # the noted calls' sids
        self._ended: dict[str, CallEnd] = {}
        self._last_noted = 0.0
        self._dropped = 0
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def note(self, call_sid: str, phone: str | None) -> None:
        """Called on the event loop: appends and returns."""
        clock = time.monotonic()
        with self._lock:
            if len(self._noted) == MAX_WAITING:
                self._dropped += 1  # the deque lets the oldest go; said at the next write
                gone = self._noted[0].call_sid
                self._waiting.discard(gone)
                self._ended.pop(gone, None)
            self._noted.append(TurnedAwayCall(call_sid, phone, utcnow(), clock))
            self._waiting.add(call_sid)
            self._last_noted = clock
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._write_forever, name="ccc-turned-away", daemon=True
                )
                self._thread.start()

    def ended(self, call_sid: str, status: str, duration: int | None) -> bool:
        """Keeps a noted call's status and duration for its write; False for a call not
        waiting here (written already, or turned away by another process): the caller stores
        the status itself."""
        with self._lock:
            if call_sid not in self._waiting:
                return False
            self._ended[call_sid] = CallEnd(status, duration)
            return True

    def waiting(self) -> int:
        with self._lock:
            return len(self._noted)

    def due(self) -> bool:
        """Whether to write now: the surge has eased, or the oldest call has waited long."""
        clock = time.monotonic()
        with self._lock:
            if not self._noted:
                return False
            quiet = clock - self._last_noted >= QUIET_SECONDS
            return quiet or clock - self._noted[0].noted >= WRITE_AT_LATEST

    def write(self) -> int:
        """Writes what is noted, `CHUNK` calls a transaction; returns how many it recorded."""
        written = 0
        with self._write_lock:
            with self._lock:
                dropped, self._dropped = self._dropped, 0
            if dropped:
                log.error("%s turned-away calls were dropped: over %s waited", dropped, MAX_WAITING)
            while chunk := self._take():
                try:
                    written += self._store(chunk)
                except Exception as error:
                    if database_away(error):
                        log.warning("%s turned-away calls wait for the database", len(chunk))
                        self._give_back(chunk)
                        break
                    log.exception("%s turned-away calls not written together", len(chunk))
                    written += self._one_by_one(chunk)
        return written

    def _take(self) -> list[TurnedAwayCall]:
        """The next chunk; its calls stay `_waiting` until written, so that a status callback
        coming meanwhile is kept for them (and a call written already stores its own)."""
        with self._lock:
            return [self._noted.popleft() for _ in range(min(CHUNK, len(self._noted)))]

    def _give_back(self, chunk: list[TurnedAwayCall]) -> None:
        with self._lock:
            self._noted.extendleft(reversed(chunk))

    def _ends(self, chunk: list[TurnedAwayCall]) -> dict[str, CallEnd]:
        with self._lock:
            return {c.call_sid: self._ended[c.call_sid] for c in chunk if c.call_sid in self._ended}

    def _done(self, chunk: list[TurnedAwayCall], written: dict[str, CallEnd]) -> dict[str, CallEnd]:
        """The chunk no longer waits here; returns the ends that came while it was written."""
        late: dict[str, CallEnd] = {}
        with self._lock:
            for call in chunk:
                self._waiting.discard(call.call_sid)
                end = self._ended.pop(call.call_sid, None)
                if end is not None and end != written.get(call.call_sid):
                    late[call.call_sid] = end
        return late

    def _one_by_one(self, chunk: list[TurnedAwayCall]) -> int:
        written = 0
        for index, call in enumerate(chunk):
            try:
                written += self._store([call])
            except Exception as error:
                if database_away(error):
                    self._give_back(chunk[index:])
                    break
                number = mask(call.phone or "")
                log.exception("a turned-away call from %s cannot be written: dropped", number)
                self._done([call], {})
        return written

    def _store(self, chunk: list[TurnedAwayCall]) -> int:
        ends = self._ends(chunk)
        with self.runtime.unit_of_work() as session:
            # Without Redis the callbacks' job runs in this process: in its job thread, not
            # in this one, which has the other chunks to write.
            run_in_background(session)
            recorded = []
            for c in chunk:
                end = ends.get(c.call_sid)
                recorded.append(
                    record_turned_away(
                        session,
                        call_sid=c.call_sid,
                        phone=c.phone,
                        at=c.at,
                        status=end.status if end else None,
                        duration=end.duration if end else None,
                    )
                )
            ids = [call.id for call in recorded if call is not None and call.id is not None]
            if ids:
                schedule(session, TURNED_AWAY, call_ids=ids)
        log.info("%s calls turned away in a surge recorded", len(ids))
        late = self._done(chunk, ends)
        if late:  # came during the transaction: the calls are there now
            with self.runtime.unit_of_work() as session:
                for call_sid, end in late.items():
                    end_call(session, call_sid=call_sid, status=end.status, duration=end.duration)
        return len(ids)

    def close(self) -> None:
        """At the app's stop: what is noted is written, and the thread ends."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.write()

    def _write_forever(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            if self.due():
                self.write()


def turned_away_book(state: State, runtime: Runtime) -> TurnedAwayBook:
    """The app's book (made at its first turned-away call), closed at the app's stop."""
    book: TurnedAwayBook | None = getattr(state, "turned_away", None)
    if book is None:
        book = state.turned_away = TurnedAwayBook(runtime)
        closing: list[Callable[[], None]] | None = getattr(state, "closing", None)
        if closing is not None:  # an app served without its lifespan has no stop to wait for
            closing.append(book.close)
    return book
