"""What channels report after a send: delivery statuses, and whether a person can be reached.

Status callbacks arrive out of order and more than once (Twilio retries, and a `sent` may come
after the `delivered` it preceded), so a status only ever moves forward. A callback about a
message CCC does not know (another system on the same account, a part of a split SMS) changes
nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from ccc.contacts.service import find_identity
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Direction, Message, MessageStatus

if TYPE_CHECKING:
    from ccc.kernel.runtime import Runtime

log = logging.getLogger(__name__)

# How far along a message is; a report never moves it back. Final outcomes share a rank, so a
# correction from the carrier (delivered, then undelivered) still lands.
_RANK: dict[str, int] = {
    MessageStatus.pending: 0,
    MessageStatus.queued: 1,
    MessageStatus.sent: 2,
    MessageStatus.delivered: 3,
    MessageStatus.undelivered: 3,
    MessageStatus.failed: 3,
    MessageStatus.read: 4,
}


@dataclass(frozen=True)
class StatusReport:
    """One delivery report as a channel sent it, normalised."""

    channels: tuple[str, ...]
    external_id: str
    status: str
    error_code: str | None = None
    error_message: str | None = None


def record_status(
    session: Session,
    *,
    channels: tuple[str, ...],
    external_id: str,
    status: str,
    error_code: str | None = None,
    error_message: str | None = None,
) -> Message | None:
    """Move the outbound message with this channel id to `status`, if that is a step forward.

    Returns the message when it was changed, None when it is unknown or already further along.
    """
    report = StatusReport(channels, external_id, status, error_code, error_message)
    changed = record_statuses(session, [report])
    return changed[0] if changed else None


def record_statuses(session: Session, reports: Sequence[StatusReport]) -> list[Message]:
    """Apply many reports in one go: one query locks every message they name (in id order,
    so two batches never wait on each other crosswise), then each report is applied in the
    order it came. Returns the messages changed."""
    for report in reports:
        if report.status not in _RANK:
            raise ValueError(f"unknown delivery status {report.status!r}")
    if not reports:
        return []
    channels = sorted({channel for report in reports for channel in report.channels})
    ids = sorted({report.external_id for report in reports})
    rows = session.exec(
        select(Message)
        .where(
            col(Message.channel).in_(channels),
            col(Message.external_id).in_(ids),
            Message.direction == Direction.outbound,
        )
        .order_by(col(Message.id))
        .with_for_update()
    ).all()
    found: dict[tuple[str, str | None], Message] = {}
    for row in rows:
        found.setdefault((row.channel, row.external_id), row)
    changed: dict[int | None, Message] = {}
    for report in reports:
        message = next(
            (
                found[(c, report.external_id)]
                for c in report.channels
                if (c, report.external_id) in found
            ),
            None,
        )
        if message is not None and _apply(message, report):
            session.add(message)
            changed[message.id] = message
    return list(changed.values())


def _apply(message: Message, report: StatusReport) -> bool:
    current = _RANK.get(message.status)
    if current is None or _RANK[report.status] < current:
        # not_sent, or a late report of an earlier stage: what we know is already more.
        return False
    if message.status == report.status and not report.error_code:
        return False
    message.status = report.status
    if report.error_code:
        message.error_code = report.error_code[:40]
        text = report.error_message or message.error_message or ""
        message.error_message = text[:500] or None
    message.updated_at = utcnow()
    log.info("message %s is %s", message.id, report.status)
    return True


class StatusBatcher:
    """Group commit for delivery reports: each web request hands its report over and waits;
    one thread writes every report waiting at that moment (plus those that arrive within
    `window` seconds) in one transaction, then answers them all. So a burst of callbacks costs
    a few transactions, not one each, and a request is answered 200 only once its report is
    committed: nothing is buffered anywhere a crash could lose an accepted report (neither
    Redis nor a worker is involved). A batch that fails is written again one report at a time,
    so one bad report fails only its own request."""

    def __init__(
        self,
        write: Callable[[Sequence[StatusReport]], object],
        *,
        window: float = 0.01,
        max_batch: int = 500,
        idle_seconds: float = 30.0,
    ) -> None:
        self.write = write
        self.window = window
        self.max_batch = max_batch
        self.idle_seconds = idle_seconds
        self.batches = 0  # transactions written, for tests and logs
        self._queue: queue.Queue[_Waiting] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, report: StatusReport, *, timeout: float = 10.0) -> None:
        """Return once the report is committed; raise what writing it raised."""
        waiting = _Waiting(report)
        self._queue.put(waiting)
        self._ensure_thread()
        if not waiting.done.wait(timeout):
            raise TimeoutError("the delivery report was not written in time")
        if waiting.error is not None:
            raise waiting.error

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="ccc-status-batcher", daemon=True
                )
                self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self.idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            batch = [first]
            deadline = time.monotonic() + self.window
            while len(batch) < self.max_batch:
                left = deadline - time.monotonic()
                try:
                    batch.append(
                        self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
                    )
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[_Waiting]) -> None:
        try:
            self.write([waiting.report for waiting in batch])
            self.batches += 1
        except Exception:
            log.exception(
                "a batch of %d delivery reports failed; writing them one by one", len(batch)
            )
            for waiting in batch:
                try:
                    self.write([waiting.report])
                    self.batches += 1
                except Exception as exc:
                    waiting.error = exc
        for waiting in batch:
            waiting.done.set()


@dataclass
class _Waiting:
    report: StatusReport
    done: threading.Event = field(default_factory=threading.Event)
    error: Exception | None = None


def status_batcher(runtime: Runtime) -> StatusBatcher:
    """The process's batcher of delivery reports for this runtime's database."""
    batcher: StatusBatcher | None = runtime.__dict__.get("_status_batcher")
    if batcher is None:

        def write(reports: Sequence[StatusReport]) -> None:
            with runtime.unit_of_work() as session:
                record_statuses(session, reports)

        batcher = runtime.__dict__.setdefault("_status_batcher", StatusBatcher(write))
    return batcher


def set_reachable(session: Session, *, channel: str, address: str, reason: str | None) -> bool:
    """Mark an identity as unreachable (`reason`), or reachable again (`None`).

    For what a channel tells us outside a send: a Telegram user who blocked or unblocked the
    bot, an SMS sender who texted STOP or START. Unknown identities are left alone.
    """
    identity = find_identity(session, channel=channel, address=address)
    if identity is None:
        return False
    identity.unreachable_reason = reason[:200] if reason else None
    session.add(identity)
    log.info("identity %s is %s", identity.id, "unreachable" if reason else "reachable")
    return True
