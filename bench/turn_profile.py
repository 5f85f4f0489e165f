"""CPU time and SQL statements per chatbot turn and per send, in one worker process.

Load-independent figures for a shared machine: process time (not wall time) and the number of
statements each job sends, both measured inside CCC's own worker (`CCCWorker`, RQ's
`SimpleWorker`) as `ccc worker` runs it, on PostgreSQL and Redis.

    .venv/bin/python bench/turn_profile.py --database postgresql+psycopg://…/SCRATCH \\
        --redis redis://127.0.0.1:6379/N [--people 200] [--profile out.prof] [--sql]

`--people` people each send one SMS (stored as the webhook stores it); then the worker runs in
burst mode until the queues are empty: a turn (`process_inbound`) and a send (`send_message`)
for each. The first `--warm` people's jobs warm the process and are left out. Both URLs must
be scratch: the bench drops every table of the database and empties the Redis db.
`--profile` writes a cProfile of the measured jobs; `--sql` prints one turn's and one send's
statements.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import reset  # noqa: E402 (after the path to the project is set)


class Meter:
    """Statements and process time per job, by kind."""

    def __init__(self) -> None:
        self.statements = 0
        self.texts: list[str] = []
        self.keep = False
        self.by_kind: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        self.samples: dict[str, list[str]] = {}

    def on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements += 1
        if self.keep:
            self.texts.append(statement)


class RoundTrips:
    """Round trips of the whole worker loop besides the statements: commits (on PostgreSQL
    each transaction is also a BEGIN), the pool's pings, and Redis requests (a pipeline is
    one)."""

    def __init__(self, engine: Any) -> None:
        from redis.connection import AbstractConnection
        from sqlalchemy import event

        self.commits = self.pings = self.redis = 0
        event.listen(engine, "commit", self._commit)
        ping = engine.dialect.do_ping
        send = AbstractConnection.send_packed_command

        def counted_ping(dbapi_connection: Any) -> Any:
            self.pings += 1
            return ping(dbapi_connection)

        def counted_send(connection: Any, command: Any, check_health: bool = True) -> None:
            self.redis += 1
            send(connection, command, check_health)

        engine.dialect.do_ping = counted_ping
        AbstractConnection.send_packed_command = counted_send  # type: ignore[method-assign]

    def _commit(self, _connection: Any) -> None:
        self.commits += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--profile", help="write a cProfile of the measured jobs here")
    parser.add_argument("--sql", action="store_true", help="print one turn's and one send's SQL")
    parser.add_argument(
        "--queued-replies",
        action="store_true",
        help="replies as separate jobs through Redis (before the worker sent them itself)",
    )
    args = parser.parse_args()
    os.environ.update(
        CCC_DATABASE_URL=args.database,
        CCC_REDIS_URL=args.redis,
        CCC_OUTBOUND="record",
        CCC_SIMULATOR="off",
    )
    reset(args.database, args.redis)

    from rq import Queue
    from sqlalchemy import event, select

    from ccc.api.wiring import runtime_for
    from ccc.channels.port import InboundMessage
    from ccc.jobs import runner
    from ccc.jobs.dispatch import WORKER_QUEUES
    from ccc.jobs.models import OutboxJob
    from ccc.jobs.worker import CCCWorker, for_worker
    from ccc.kernel.runtime import set_runtime
    from ccc.kernel.settings import get_settings
    from ccc.messages.service import accept_inbound

    runtime = runtime_for(get_settings())
    if not args.queued_replies:
        runtime = for_worker(runtime)
    set_runtime(runtime)
    for index in range(args.people):
        inbound = InboundMessage(
            channel="sms", address=f"+96477{index:08d}", external_id=f"SM{index:032d}", text="مرحبا"
        )
        with runtime.unit_of_work() as session:
            accept_inbound(session, inbound=inbound)

    meter = Meter()
    event.listen(runtime.engine, "before_cursor_execute", meter.on_execute)
    kinds: dict[int, str] = {}
    with runtime.engine.connect() as connection:
        for job_id, kind in connection.execute(select(OutboxJob.id, OutboxJob.kind)):
            kinds[job_id] = kind
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    done = 0
    original = runner._run

    def measured(rt: Any, job_id: int) -> None:
        nonlocal done
        kind = kinds.get(job_id, "send_message")
        sample = args.sql and kind not in meter.samples and done >= 2 * args.warm
        meter.keep, meter.texts = sample, []
        before, cpu, wall = meter.statements, time.process_time(), time.perf_counter()
        original(rt, job_id)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        done += 1
        if done > 2 * args.warm:
            meter.by_kind[kind].append((meter.statements - before, cpu, wall))
        if sample:
            meter.samples[kind] = meter.texts

    runner._run = measured  # type: ignore[assignment]
    connection = runtime.dispatcher.connection  # type: ignore[attr-defined]
    queues = [Queue(name, connection=connection) for name in WORKER_QUEUES]
    worker = CCCWorker(queues, connection=connection)
    trips = RoundTrips(runtime.engine)
    statements = meter.statements
    if profiler:
        profiler.enable()
    cpu, wall = time.process_time(), time.perf_counter()
    worker.work(burst=True, with_scheduler=False)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    jobs = sum(len(v) for v in meter.by_kind.values()) + 2 * args.warm
    print(f"{args.people} people; {jobs} jobs; the first {args.warm} people's jobs left out")
    print(
        f"{'job':>16}{'n':>6}{'statements':>12}{'CPU ms p50':>12}{'CPU ms mean':>13}{'wall ms':>9}"
    )
    for kind, rows in sorted(meter.by_kind.items()):
        statements = statistics.median(r[0] for r in rows)
        print(
            f"{kind:>16}{len(rows):>6}{statements:>12.0f}"
            f"{statistics.median(r[1] for r in rows) * 1000:>12.2f}"
            f"{statistics.mean(r[1] for r in rows) * 1000:>13.2f}"
            f"{statistics.median(r[2] for r in rows) * 1000:>9.2f}"
        )
    per_person = cpu / args.people * 1000
    print(
        f"whole worker loop (RQ included): {cpu:.2f} s CPU, {wall:.2f} s wall: "
        f"{per_person:.1f} CPU ms per person (a turn and a send), "
        f"{1000 / per_person:.0f} turns/s of CPU"
    )
    print(
        "per person, the whole loop: "
        f"{(meter.statements - statements) / args.people:.1f} statements, "
        f"{trips.commits / args.people:.1f} commits, {trips.pings / args.people:.1f} pool pings, "
        f"{trips.redis / args.people:.1f} Redis round trips"
    )
    for kind, texts in meter.samples.items():
        print(f"\n--- {kind}: {len(texts)} statements")
        for statement in texts:
            print(" ", " ".join(statement.split())[-200:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
