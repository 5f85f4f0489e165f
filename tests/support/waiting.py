"""Waiting for something another process does (a worker, a server), without a fixed sleep."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether `condition` came true within `seconds`, asked every fifth of a second. It
    returns rather than raises, so the caller's assert can say what it waited for."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False
