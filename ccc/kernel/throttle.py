"""A per-key sliding window: how many times something may happen in a period.

Kept in the process (the runtime holds one per purpose): a limit on what one user may do per
minute does not need to survive a restart, and a request must not wait on Redis to be refused.
With several server processes each keeps its own count, so the effective limit is that many
times the setting: the setting is meant for one process, as `ccc serve` runs.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable


class Throttle:
    def __init__(
        self, *, limit: int, period: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit, self.period, self._clock = limit, period, clock
        self._seen: dict[Hashable, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: Hashable) -> int | None:
        """Counts one use; None when allowed, else the whole seconds until the next is."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(key, deque())
            while times and times[0] <= now - self.period:
                times.popleft()
            if len(times) >= self.limit:
                return max(1, math.ceil(times[0] + self.period - now))
            times.append(now)
            return None
