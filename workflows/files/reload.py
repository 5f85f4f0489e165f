"""Reloading the workflow files without a restart, keeping the last good set.

A supervisor edits a rule or an SLA; every process (web and workers) notices the change within
`CHECK_SECONDS`, because `current()` compares the files' sizes and modification times. A new set
with any problem is refused as a whole: the process keeps serving the last good one, logs every
problem as `file:line: message`, and `/healthz` says so until the files are mended.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workflows.files.yamlfile import LoadError, Problem

log = logging.getLogger(__name__)
CHECK_SECONDS = 2.0
Signature = tuple[tuple[str, int, int], ...]


@dataclass
class Watch:
    directory: Path
    library: Any
    signature: Signature
    checked_at: float = field(default_factory=time.monotonic)
    problems: list[Problem] = field(default_factory=list)
    loaded_at: float = field(default_factory=time.time)


_watches: dict[Path, Watch] = {}
_lock = threading.Lock()


def signature(directory: Path) -> Signature:
    found = []
    for path in sorted(directory.rglob("*.y*ml")):
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((str(path), stat.st_mtime_ns, stat.st_size))
    calendars = directory / "calendars.yaml"
    if not calendars.exists():
        found.append(("(package calendars)", 0, 0))
    return tuple(found)


def watched(directory: Path) -> Any:
    """The library of `directory`, reloaded at most every CHECK_SECONDS if its files changed."""
    from workflows.files.library import _build

    watch = _watches.get(directory)
    if watch is None:
        with _lock:
            watch = _watches.get(directory)
            if watch is None:
                found = signature(directory)  # before reading: an edit meanwhile is seen next
                watch = Watch(directory, _build(directory), found)
                _watches[directory] = watch
        return watch.library
    if time.monotonic() - watch.checked_at >= CHECK_SECONDS:
        refresh(directory)
    return watch.library


def refresh(directory: Path) -> bool:
    """Look at the files now; True when a new set was loaded."""
    from workflows.files.library import _build, get_library

    watch = _watches.get(directory)
    if watch is None:
        watched(directory)
        return True
    with _lock:
        watch.checked_at = time.monotonic()
        found = signature(directory)
        if found == watch.signature:
            return False
        watch.signature = found
        try:
            library = _build(directory)
        except LoadError as refused:
            watch.problems = refused.problems
            log.error(
                "workflow files refused, still serving the last good set:\n%s",
                "\n".join(str(p) for p in refused.problems),
            )
            return False
        watch.library = library
        watch.problems = []
        watch.loaded_at = time.time()
        get_library.cache_clear()
        log.info("workflow files reloaded from %s", directory)
        return True


def health(directory: Path) -> dict[str, Any]:
    watch = _watches.get(directory)
    if watch is None:
        return {"status": "not loaded"}
    if watch.problems:
        return {
            "status": "refused: serving the last good set",
            "problems": [str(p) for p in watch.problems],
        }
    return {"status": "ok"}


def forget(directory: Path) -> None:
    with _lock:
        _watches.pop(directory, None)
