"""A retention run over many closed tickets, and the latency of webhooks accepted meanwhile.

Seeds a scratch database (`SEED`: N people, each with a ticket closed in 2020, its messages,
timeline, outbox job and, for a share of them, calls, recordings, callbacks, referrals, menu
messages and audit entries; `--orphans M` more people with no ticket at all), starts
`ccc serve` on it, then runs retention (`ccc.retention.tasks.run`, the code the nightly job
runs, in batches of `--batch`, one kind after the other, each timed) in this process while
another process posts signed Twilio SMS webhooks to the server. Prints the run's duration and
each phase's, its rates (tickets per second, and records per second: every row of every kind
it anonymised), the SQL statements it sent per batch, the CPU time of this process and of its
PostgreSQL backends, the peak memory, the load average meanwhile, and p50/p99 latency of the
webhooks accepted while it ran.

    .venv/bin/python bench/retention.py --tickets 1000000 --database postgresql+psycopg://…/ccc_bench

`--database` must be a scratch database (it is emptied, migrated and written to); without it, a
SQLite file. `--redis URL` lets the server enqueue the webhooks' jobs as in production.
`--seed-only` stops after seeding; `--no-seed` runs on what the database holds (a seed left
by `--seed-only`); `--port` picks the server's port.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

import httpx
from harness import AUTH_TOKEN, Result, cpu_seconds, free_port, server
from sqlalchemy import Engine, bindparam, event, text
from sqlmodel import SQLModel
from webhooks import forms, hammer

import ccc.models  # noqa: F401  (every table in the metadata, for the seed's TRUNCATE)
from ccc.kernel.db import make_engine
from ccc.kernel.migrate import upgrade
from ccc.kernel.timeutil import UTCDateTime
from ccc.retention.policy import load
from ccc.retention.service import BATCH
from ccc.retention.tasks import ORDER, Counts, Cursors, run
from workflows.files.library import PACKAGE_DIR

PATH = "/webhooks/twilio/messaging"
CHUNK = 100_000
Posted = tuple[list[float], int, list[str]]
GOVERNORATES = (
    "anbar", "babil", "baghdad", "basra", "dhi_qar", "diyala", "duhok", "erbil", "halabja",
    "karbala", "kirkuk", "maysan", "muthanna", "najaf", "ninawa", "qadisiyah", "salah_al_din",
    "sulaymaniyah", "wasit",
)  # fmt: skip


def seed(database_url: str, tickets: int, orphans: int = 0) -> float:
    """The scratch database emptied and filled (`SEED`, `ORPHANS`); seconds taken.

    Set-based: one `INSERT … SELECT` over a series of numbers per table and chunk, so the
    database makes the rows itself (a million tickets and their 8 million other rows in a few
    minutes, where row-by-row parameters took over an hour)."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    postgres = engine.dialect.name == "postgresql"
    names = [t.name for t in SQLModel.metadata.sorted_tables]
    with engine.begin() as connection:
        if postgres:
            listed = ", ".join(f'"{name}"' for name in names)
            connection.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(names):
                connection.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608
        connection.execute(
            text("INSERT INTO team (id, slug, name, created_at) VALUES (1, 'bench', 'Bench', :t)")
            .bindparams(bindparam("t", type_=UTCDateTime()))
            .bindparams(t=LONG_AGO)
        )
    sql = _Dialect(postgres)
    for first in range(1, tickets + 1, CHUNK):
        _insert(engine, sql, SEED, first, min(first + CHUNK - 1, tickets))
        print(f"  seeded {min(first + CHUNK - 1, tickets)} tickets", flush=True)
    for first in range(tickets + 1, tickets + orphans + 1, CHUNK):
        _insert(engine, sql, ORPHANS, first, min(first + CHUNK - 1, tickets + orphans))
    if postgres:
        with engine.begin() as connection:
            for name in SEQUENCED:
                connection.execute(
                    text(f"SELECT setval('{name}_id_seq', (SELECT max(id) FROM {name}))")  # noqa: S608
                )
        # A live database's tables are analysed by autovacuum; a freshly seeded one is not yet,
        # and its planner, thinking `ticket` nearly empty, scanned every closed ticket per batch.
        # VACUUM also sets the visibility map, as on a live database whose rows are years old.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _insert(engine: Engine, sql: _Dialect, statements: list[str], first: int, last: int) -> None:
    with engine.begin() as connection:
        for statement in statements:
            sql_text = statement.format(
                series=sql.series,
                pad=sql.pad,
                json=sql.json,
                category=_case(("tracing", "detention", "assistance")),
                governorate=_case(GOVERNORATES),
            )
            values = {"t": LONG_AGO, "closed": LONG_AGO + timedelta(days=3), "a": first, "b": last}
            used = {name: value for name, value in values.items() if f":{name}" in sql_text}
            typed = [
                bindparam(name, type_=UTCDateTime()) for name in ("t", "closed") if name in used
            ]
            connection.execute(text(sql_text).bindparams(*typed), used)


class _Dialect:
    """The few pieces of SQL that PostgreSQL and SQLite spell differently."""

    def __init__(self, postgres: bool) -> None:
        if postgres:
            self.series = "generate_series(CAST(:a AS INTEGER), CAST(:b AS INTEGER)) AS s(i)"
            self.pad = "lpad(CAST(i AS TEXT), 8, '0')"
            self.json = "json_build_object"
        else:
            self.series = (
                "(WITH RECURSIVE n(i) AS (SELECT :a UNION ALL SELECT i + 1 FROM n WHERE i < :b)"
                " SELECT i FROM n) AS s"
            )
            self.pad = "printf('%08d', i)"
            self.json = "json_object"


def _case(values: tuple[str, ...]) -> str:
    """`values[i % len(values)]` in SQL both databases read."""
    arms = " ".join(f"WHEN {n} THEN '{value}'" for n, value in enumerate(values))
    return f"CASE i % {len(values)} {arms} END"


LONG_AGO = datetime(2020, 3, 1, tzinfo=UTC)
SEQUENCED = (
    "contact", "identity", "ticket", "message", "ticket_event", "call", "recording",
    "callback", "referral", "conversation", "audit_entry", "outbox_job",
)  # fmt: skip
PERSON = [
    "INSERT INTO contact (id, language, created_at) SELECT i, 'ar', :t FROM {series}",
    "INSERT INTO identity (id, contact_id, channel, address, display_name, created_at,"
    " last_inbound_at) SELECT i, i, 'sms', '+96475' || {pad}, 'Person ' || i, :t, :t"
    " FROM {series}",
]
# Person i: a ticket closed three days after it opened in March 2020, in one of three
# categories and nineteen governorates, with its answers (governorate kept, name scrubbed), an
# inbound and an outbound message with Twilio ids, two timeline events (a status change, kept;
# a note naming the person, scrubbed), an outbox job and, for a share of them, what a voice or
# referred case adds: a call (1 in 4) and its recording and transcript (1 in 8), a callback
# (1 in 10), a referral (1 in 5), a menu message outside the ticket and the chatbot's state
# (1 in 10), a view in the audit log (1 in 2).
SEED = [
    *PERSON,
    "INSERT INTO ticket (id, reference, status, category, priority, sensitivity, channel,"
    " contact_id, identity_id, created_at, updated_at, closed_at, tags, sla_fired, answers,"
    " sla_paused_seconds, next_response_paused_before, search_text)"
    " SELECT i, {pad}, 'closed', {category},"
    " 'normal', 'normal', 'sms', i, i, :t, :closed, :closed, '[]', '[]',"
    " {json}('governorate', {governorate}, 'name', 'Person ' || i), 0, 0,"
    " 'person ' || i FROM {series}",
    "INSERT INTO message (contact_id, identity_id, ticket_id, direction, channel, external_id,"
    " text, media, buttons, status, parts_sent, created_at, updated_at)"
    " SELECT i, i, i, d.direction, 'sms', 'SM' || d.direction || i, 'words of person ' || i,"
    " '[]', '[]', 'received', 0, :t, :t FROM {series}"
    " CROSS JOIN (SELECT 'in' AS direction UNION ALL SELECT 'out') AS d",
    "INSERT INTO ticket_event (ticket_id, kind, actor, data, created_at)"
    " SELECT i, 'status', 'agent', {json}('from', 'open', 'to', 'closed'), :closed"
    " FROM {series}",
    "INSERT INTO ticket_event (ticket_id, kind, actor, data, created_at)"
    " SELECT i, 'note', 'agent', {json}('text', 'called Person ' || i || ' back'), :closed"
    " FROM {series}",
    "INSERT INTO outbox_job (kind, payload, status, attempts, available_at, created_at,"
    " finished_at) SELECT 'send_message', {json}('ticket', i), 'done', 1, :t, :t, :t"
    " FROM {series}",
    "INSERT INTO call (id, call_sid, line, identity_id, path, misses, outcome, duration,"
    " ticket_id, started_at, ended_at) SELECT i, 'CA' || i, 'caller', i, '2 1 5', 0,"
    " 'voice_message', 60, i, :t, :t FROM {series} WHERE i % 4 = 0",
    "INSERT INTO recording (id, recording_sid, call_id, ticket_id, duration, twilio_url,"
    " transcript, created_at) SELECT i, 'RE' || i, i, i, 30,"
    " 'https://api.twilio.com/recordings/RE' || i, 'the voice of person ' || i, :t"
    " FROM {series} WHERE i % 8 = 0",
    "INSERT INTO callback (id, ticket_id, identity_id, phone, automatic, attempts, unanswered,"
    " status, result, due_at, created_at, closed_at) SELECT i, i, i, '+96475' || {pad},"
    " false, 1, 0, 'done', 'reached', :t, :t, :closed FROM {series} WHERE i % 10 = 0",
    "INSERT INTO referral (id, ticket_id, team_id, status, note, reason, created_at)"
    " SELECT i, i, 1, 'completed', 'about person ' || i, 'needs help', :t"
    " FROM {series} WHERE i % 5 = 0",
    "INSERT INTO message (contact_id, identity_id, direction, channel, external_id, text, media,"
    " buttons, status, parts_sent, created_at, updated_at) SELECT i, i, 'in', 'sms',"
    " 'SMmenu' || i, '1', '[]', '[]', 'received', 0, :t, :t FROM {series} WHERE i % 10 = 0",
    "INSERT INTO conversation (id, identity_id, flow, answers, invalid_inputs, lookup_failures,"
    " updated_at) SELECT i, i, 'intake', {json}('name', 'Person ' || i), 0, 0, :t"
    " FROM {series} WHERE i % 10 = 0",
    "INSERT INTO audit_entry (created_at, actor, action, ticket_id, restricted, data)"
    " SELECT :t, 'agent', 'view', i, false, {json}() FROM {series} WHERE i % 2 = 0",
]
# A person with no ticket at all (`--orphans`): an address, a message to the menu and the
# chatbot's state, from March 2020; the contacts phase (and the conversations one) takes them.
ORPHANS = [
    *PERSON,
    "INSERT INTO message (contact_id, identity_id, direction, channel, external_id, text, media,"
    " buttons, status, parts_sent, created_at, updated_at) SELECT i, i, 'in', 'sms',"
    " 'SMmenu' || i, 'hello, I am Person ' || i, '[]', '[]', 'received', 0, :t, :t"
    " FROM {series}",
    "INSERT INTO conversation (id, identity_id, flow, answers, invalid_inputs, lookup_failures,"
    " updated_at) SELECT i, i, 'intake', {json}('name', 'Person ' || i), 0, 0, :t"
    " FROM {series}",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument(
        "--orphans", type=int, default=0, help="people with no ticket at all (contacts phase)"
    )
    parser.add_argument("--database", help="a scratch SQLAlchemy URL (default: a SQLite file)")
    parser.add_argument("--redis", help="a Redis URL: the server enqueues its jobs")
    parser.add_argument("--port", type=int, help="the server's port (default: any free one)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=BATCH, help="tickets per transaction")
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    parser.add_argument(
        "--no-seed", action="store_true", help="run on what --database already holds"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ccc-bench-") as scratch:
        folder = Path(scratch)
        database = args.database or f"sqlite:///{folder / 'ccc.db'}"
        upgrade(database)
        if not args.no_seed:
            seeded = seed(database, args.tickets, args.orphans)
            print(f"seeded {args.tickets} closed tickets and {args.orphans} people without one "
                  f"in {seeded:.0f} s (load average {_load()})", flush=True)  # fmt: skip
        if args.seed_only:
            return 0
        port = args.port or free_port()
        env = {
            "CCC_DATABASE_URL": database,
            "CCC_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "CCC_REDIS_URL": args.redis or "",
            "CCC_OUTBOUND": "record",
            "CCC_SIMULATOR": "off",
        }
        command = [sys.executable, "-m", "ccc.cli", "serve", "--port", str(port)]
        url = f"http://127.0.0.1:{port}{PATH}"
        done = threading.Event()
        loads: list[float] = []
        spawn = multiprocessing.get_context("spawn")
        stop, sent, out = spawn.Event(), spawn.Value("i", 0), spawn.Queue()
        # The clients are another process, as Twilio is another machine: in this one they
        # took the GIL from the run they measure (CPU time shared, a third of the wall time).
        posting = spawn.Process(target=post_until, args=(stop, sent, out, url, args.concurrency))

        def watch() -> None:
            """The machine's load every 10 s (it is shared), and the progress every minute."""
            ticks = 0
            while not done.wait(10):
                loads.append(os.getloadavg()[0])
                ticks += 1
                if ticks % 6 == 0:
                    print(f"  {ticks * 10} s: load {loads[-1]:.1f}, {sent.value} webhooks "
                          f"answered so far", flush=True)  # fmt: skip

        with server(command, env, port, folder / "ccc.log"):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
            posting.start()
            watching = threading.Thread(target=watch)
            watching.start()
            engine = make_engine(database)
            statements = count_statements(engine)
            backends = backend_pids(engine)
            cpu = resource.getrusage(resource.RUSAGE_SELF)
            started = time.perf_counter()
            counts, phases = run_by_phase(engine, args.batch)
            seconds = time.perf_counter() - started
            used = resource.getrusage(resource.RUSAGE_SELF)
            database_cpu = sum(cpu_seconds(pid) for pid in backends)
            done.set()
            stop.set()
            latencies, refused, failures = out.get()
            posting.join()
            watching.join()
            engine.dispose()
    during = Result(
        "webhooks during the run", len(latencies) - refused, refused, seconds, latencies
    )
    kind = "PostgreSQL" if database.startswith("postgresql") else "SQLite"
    records = sum(counts.values())
    print(f"retention over {args.tickets} closed tickets and {args.orphans} people without one "
          f"on {kind}: {seconds:.1f} s, {counts['tickets'] / seconds:.0f} tickets/s, "
          f"{records / seconds:.0f} records/s ({records} records); counts {counts}")  # fmt: skip
    for phase, (number, spent) in phases.items():
        rate = f"{number / spent:.0f}/s" if spent else "-"
        print(f"  {phase:<14}{number:>9} in {spent:8.1f} s  {rate}")
    batches = -(-counts["tickets"] // args.batch) + -(-counts["contacts"] // args.batch)
    print(f"{statements[0]} SQL statements, {statements[0] / max(batches, 1):.0f} per batch "
          f"of {args.batch} (tickets and contacts batches: {batches})")  # fmt: skip
    cpu_used = used.ru_utime + used.ru_stime - cpu.ru_utime - cpu.ru_stime
    print(f"CPU time: {cpu_used:.0f} s in the process that ran it, {database_cpu:.0f} s in its "
          f"PostgreSQL backends ({len(backends)})")  # fmt: skip
    print(f"peak memory of the process that ran it: {peak_mib():.0f} MiB (seed included)")
    if loads:
        print(f"load average during the run: {min(loads):.1f} to {max(loads):.1f}, "
              f"mean {sum(loads) / len(loads):.1f} (1-minute, every 10 s)")  # fmt: skip
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"{os.cpu_count() or 1} cores, Python {platform.python_version()}")  # fmt: skip
    if failures:
        print(f"connection failures while posting: {len(failures)} ({sorted(set(failures))})")
    print(
        f"{during.accepted} webhooks accepted meanwhile ({during.refused} refused): "
        f"p50 {during.percentile(0.5):.0f} ms, p99 {during.percentile(0.99):.0f} ms"
    )
    return 0 if refused == 0 else 1


def run_by_phase(engine: Engine, batch: int) -> tuple[Counts, dict[str, tuple[int, float]]]:
    """The nightly job's run, one kind after the other in its order, each timed: the same
    batches as one `run` (a kind's cursors set, the others' done), one audit entry per kind."""
    policy = load(PACKAGE_DIR / "retention.yaml")
    now = datetime(2030, 1, 1, tzinfo=UTC)
    counts: Counts = {}
    phases: dict[str, tuple[int, float]] = {}
    for kind in ORDER:
        cursors: Cursors = {other.value: None for other in ORDER}
        cursors[kind.value] = 0
        started = time.perf_counter()
        done, _ = run(engine, policy=policy, now=now, batch=batch, cursors=cursors)
        phases[kind.value] = (done[kind.value], time.perf_counter() - started)
        counts[kind.value] = done[kind.value]
        print(f"  {kind.value}: {done[kind.value]} in {phases[kind.value][1]:.1f} s "
              f"(load {_load()})", flush=True)  # fmt: skip
    return counts, phases


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def post_until(
    stop: EventType, sent: Synchronized[int], out: Queue[Posted], url: str, concurrency: int
) -> None:
    """Signed webhooks in batches of 50 until told to stop; then the latencies, the refused
    and the failures. A broken connection is counted and the posting goes on."""
    latencies: list[float] = []
    refused = 0
    failures: list[str] = []
    while not stop.is_set():
        try:
            result: Result = asyncio.run(hammer("during", url, url, forms(50), concurrency))
        except httpx.HTTPError as exc:
            failures.append(type(exc).__name__)
            refused += 1
            time.sleep(0.5)
            continue
        latencies.extend(result.latencies)
        refused += result.refused
        with sent.get_lock():
            sent.value += len(result.latencies)
    out.put((latencies, refused, failures))


def backend_pids(engine: Engine) -> list[int]:
    """The PostgreSQL server processes of the connections the run opens, to read their CPU
    time: the database's share of the work, which the machine's load barely moves."""
    pids: list[int] = []
    if engine.dialect.name != "postgresql":
        return pids

    @event.listens_for(engine, "connect")
    def _connected(connection: Any, _record: object) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.append(int(cursor.fetchone()[0]))

    return pids


def count_statements(engine: Engine) -> list[int]:
    """A cursor listener: every statement the run sends (an executemany counts once)."""
    seen = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_: object) -> None:
        seen[0] += 1

    return seen


def peak_mib() -> float:
    """The largest resident set this process reached (Linux reports kibibytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    sys.exit(main())
