"""Where a bench's CPU went, by part of the system: the bench's own client, CCC's web
process(es), its workers, PostgreSQL and Redis, read from /proc (Linux) before and after.

On a 2-core machine every part competes for the same cores, so a replay's wall time says little
about which part to make cheaper; the CPU seconds each part used say it. A process tree's time
includes its children that have exited and been waited for (a worker recycled after N jobs),
through the kernel's `cutime`/`cstime` of the parent.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Process:
    pid: int
    name: str
    parent: int
    own: float  # user + system seconds of the process itself
    children: float  # of its exited, waited-for children


def snapshot() -> dict[int, Process]:
    """Every process now running, with its CPU seconds so far."""
    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # it exited meanwhile
            continue
        head, tail = text.rsplit(")", 1)
        fields = tail.split()
        pid = int(head.split("(", 1)[0])
        processes[pid] = Process(
            pid=pid,
            name=head.split("(", 1)[1],
            parent=int(fields[1]),
            own=(int(fields[11]) + int(fields[12])) / TICK,
            children=(int(fields[13]) + int(fields[14])) / TICK,
        )
    return processes


def _tree(processes: dict[int, Process], root: int) -> set[int]:
    members = {root}
    grew = True
    while grew:
        found = {p.pid for p in processes.values() if p.parent in members} - members
        members |= found
        grew = bool(found)
    return members & set(processes)


def _used(processes: dict[int, Process], pids: set[int]) -> float:
    return sum(processes[pid].own + processes[pid].children for pid in pids)


def shares(
    before: dict[int, Process],
    after: dict[int, Process],
    trees: dict[str, int],
    *,
    client: int,
) -> dict[str, float]:
    """CPU seconds used between the two snapshots by the bench's own process `client` (its
    children left out: they are the servers), each named process tree (name -> root pid), and
    PostgreSQL's and Redis's processes, whoever started them."""
    used = {"client": after[client].own - before[client].own}
    for label, root in trees.items():
        members = _tree(after, root)
        used[label] = _used(after, members) - _used(before, members & set(before))
    for label, names in (("postgresql", ("postgres",)), ("redis", ("redis-server",))):
        pids = {p.pid for p in after.values() if p.name.startswith(names)}
        used[label] = _used(after, pids) - _used(before, pids & set(before))
    return used


def describe(used: dict[str, float], items: int, unit: str) -> str:
    """One line: each part's CPU seconds, its share, and its CPU milliseconds per item."""
    total = sum(used.values()) or 1.0
    parts = ", ".join(
        f"{label} {seconds:.1f} s ({seconds / total:.0%}, {seconds * 1000 / items:.2f} ms/{unit})"
        for label, seconds in used.items()
    )
    return f"CPU {total:.1f} s: {parts}"
