"""`ccc worker --processes N`: N worker processes under one small supervisor.

Python runs one job at a time per process, so a second core needs a second process. The
supervisor starts each child as a fresh `ccc worker` (spawned, never forked, so nothing of the
supervisor's state is shared), starts again whichever exits (replaced after its jobs or memory,
or killed), passes SIGTERM/SIGINT on to every child and waits for them to finish the job in hand.
It opens no database and no Redis connection itself.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ccc.jobs.worker import RECYCLE

log = logging.getLogger(__name__)

SUPERVISED = "CCC_WORKER_SUPERVISED"
# A child that dies sooner than this after its start is started again only after a pause
# (doubling to MAX_PAUSE), so a broken deployment does not spin.
QUICK_DEATH = 10.0
MAX_PAUSE = 30.0
# Configuration errors (no Redis URL) end the supervisor rather than loop.
FATAL = 2


def child_command() -> list[str]:
    return [sys.executable, "-m", "ccc.cli", "worker"]


@dataclass
class Slot:
    """One child's place: its process, when it started, how long to pause before the next."""

    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    pause: float = 0.0
    due: float = 0.0


@dataclass
class Supervisor:
    processes: int
    command: Sequence[str] = field(default_factory=child_command)
    grace_seconds: float = 150.0
    stopping: threading.Event = field(default_factory=threading.Event)
    slots: list[Slot] = field(init=False)

    def __post_init__(self) -> None:
        self.slots = [Slot() for _ in range(self.processes)]

    def run(self) -> int:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda _s, _f: self.stopping.set())
        status = 0
        while not self.stopping.is_set():
            status = self._tend()
            if status:
                break
            self.stopping.wait(0.2)
        self._stop_children()
        return status

    def _tend(self) -> int:
        """Start every empty slot that is due; note the children that exited."""
        now = time.monotonic()
        for number, slot in enumerate(self.slots):
            if slot.process is not None:
                code = slot.process.poll()
                if code is None:
                    continue
                if code == FATAL:
                    log.error("worker %d cannot start (exit %d): stopping", number, code)
                    return FATAL
                self._note_exit(number, slot, code, now)
            if now >= slot.due:
                self._start(slot, now)
        return 0

    def _note_exit(self, number: int, slot: Slot, code: int, now: float) -> None:
        slot.process = None
        if code == RECYCLE:
            log.info("worker %d was replaced after its jobs or memory", number)
            slot.pause = 0.0
        else:
            log.warning("worker %d exited with %d; starting another", number, code)
            quick = now - slot.started < QUICK_DEATH
            slot.pause = min(max(slot.pause * 2, 1.0), MAX_PAUSE) if quick else 0.0
        slot.due = now + slot.pause

    def _start(self, slot: Slot, now: float) -> None:
        env = dict(os.environ)
        env[SUPERVISED] = "1"
        slot.process = subprocess.Popen(list(self.command), env=env)  # noqa: S603
        slot.started = now

    def _stop_children(self) -> None:
        """SIGTERM to every child (each finishes the job in hand), SIGKILL after the grace."""
        alive = [s.process for s in self.slots if s.process and s.process.poll() is None]
        for process in alive:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace_seconds
        for process in alive:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop in time: killed", process.pid)
                process.kill()
                process.wait()


def supervise(processes: int, *, grace_seconds: float) -> int:
    return Supervisor(processes, grace_seconds=grace_seconds).run()
