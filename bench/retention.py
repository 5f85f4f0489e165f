"""A retention run over many closed tickets, and the latency of webhooks accepted meanwhile.

Seeds a scratch database with N people, each with a closed ticket from years ago (its
governorate one of nineteen), two messages and two timeline events (a status change, kept,
and a note naming the person, scrubbed), starts `ccc serve` on it, then runs retention
(`ccc.retention.tasks.run`, the code the nightly job runs, in batches of `--batch`) in this
process while a pool of clients posts signed Twilio SMS webhooks to the server. Prints the
run's duration, its rates (tickets per second, and records per second: every row of every kind
it anonymised), the SQL statements it sent per batch, the peak memory of the process that ran
it, and p50/p99 latency of the webhooks accepted while it ran.

    .venv/bin/python bench/retention.py --tickets 1000000 --database postgresql+psycopg://…/ccc_bench

`--database` must be a scratch database (it is migrated and written to); without it, a SQLite
file. `--redis URL` lets the server enqueue the webhooks' jobs as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import resource
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import AUTH_TOKEN, Result, free_port, server
from sqlalchemy import Engine, event, insert, text
from webhooks import forms, hammer

from ccc.contacts.models import Contact, Identity
from ccc.kernel.db import make_engine
from ccc.kernel.migrate import upgrade
from ccc.messages.models import Message
from ccc.retention.policy import load
from ccc.retention.service import BATCH
from ccc.retention.tasks import run
from ccc.tickets.models import Ticket, TicketEvent
from workflows.files.library import PACKAGE_DIR

PATH = "/webhooks/twilio/messaging"
CHUNK = 5000
GOVERNORATES = (
    "anbar", "babil", "baghdad", "basra", "dhi_qar", "diyala", "duhok", "erbil", "halabja",
    "karbala", "kirkuk", "maysan", "muthanna", "najaf", "ninawa", "qadisiyah", "salah_al_din",
    "sulaymaniyah", "wasit",
)  # fmt: skip


def seed(database_url: str, tickets: int) -> float:
    """N people with a closed ticket of 2020 and two messages each; seconds taken."""
    started = time.perf_counter()
    engine = make_engine(database_url)
    long_ago = datetime(2020, 3, 1, tzinfo=UTC)
    if database_url.startswith("postgresql"):  # a scratch database: start it empty
        from sqlmodel import SQLModel

        import ccc.models  # noqa: F401  (every table in the metadata)

        names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    for first in range(1, tickets + 1, CHUNK):
        ids = range(first, min(first + CHUNK, tickets + 1))
        with engine.begin() as connection:
            connection.execute(
                insert(Contact), [{"id": i, "language": "ar", "created_at": long_ago} for i in ids]
            )
            connection.execute(
                insert(Identity),
                [
                    {"id": i, "contact_id": i, "channel": "sms", "address": f"+96475{i:08d}",
                     "display_name": f"Person {i}", "created_at": long_ago,
                     "last_inbound_at": long_ago}
                    for i in ids
                ],
            )  # fmt: skip
            connection.execute(
                insert(Ticket),
                [
                    {"id": i, "reference": f"{i:08d}", "status": "closed",
                     "category": ("tracing", "detention", "assistance")[i % 3],
                     "priority": "normal", "sensitivity": "normal", "channel": "sms",
                     "contact_id": i, "identity_id": i, "created_at": long_ago,
                     "updated_at": long_ago + timedelta(days=3),
                     "closed_at": long_ago + timedelta(days=3), "tags": [], "sla_fired": [],
                     "answers": {"governorate": GOVERNORATES[i % len(GOVERNORATES)],
                                 "name": f"Person {i}"},
                     "sla_paused_seconds": 0.0, "next_response_paused_before": 0.0}
                    for i in ids
                ],
            )  # fmt: skip
            connection.execute(
                insert(Message),
                [
                    {"contact_id": i, "identity_id": i, "ticket_id": i, "direction": direction,
                     "channel": "sms", "text": f"words of person {i}", "media": [],
                     "buttons": [], "status": "received", "parts_sent": 0,
                     "created_at": long_ago, "updated_at": long_ago}
                    for i in ids
                    for direction in ("in", "out")
                ],
            )  # fmt: skip
            connection.execute(
                insert(TicketEvent),
                [
                    {"ticket_id": i, "kind": kind, "actor": "agent", "data": data,
                     "created_at": long_ago + timedelta(days=3)}
                    for i in ids
                    for kind, data in (
                        ("status", {"from": "open", "to": "closed"}),
                        ("note", {"text": f"called Person {i} back"}),
                    )
                ],
            )  # fmt: skip
    if database_url.startswith("postgresql"):
        with engine.begin() as connection:
            for table in ("contact", "identity", "ticket"):
                connection.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")  # noqa: S608
                )
        # A live database's tables are analysed by autovacuum; a freshly seeded one is not yet,
        # and its planner, thinking `ticket` nearly empty, scanned every closed ticket per batch.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--database", help="a scratch SQLAlchemy URL (default: a SQLite file)")
    parser.add_argument("--redis", help="a Redis URL: the server enqueues its jobs")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--batch", type=int, default=BATCH, help="tickets per transaction")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ccc-bench-") as scratch:
        folder = Path(scratch)
        database = args.database or f"sqlite:///{folder / 'ccc.db'}"
        upgrade(database)
        seeded = seed(database, args.tickets)
        print(f"seeded {args.tickets} closed tickets in {seeded:.0f} s")
        port = free_port()
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
        latencies: list[float] = []
        refused = 0
        done = threading.Event()

        failures: list[str] = []

        def post_until_done() -> None:
            """Batches of 50 until the run ends; a broken connection is counted and the
            posting goes on (it once ended the thread, and the latencies with it)."""
            nonlocal refused
            while not done.is_set():
                try:
                    result: Result = asyncio.run(
                        hammer("during", url, url, forms(50), args.concurrency)
                    )
                except httpx.HTTPError as exc:
                    failures.append(type(exc).__name__)
                    refused += 1
                    time.sleep(0.5)
                    continue
                latencies.extend(result.latencies)
                refused += result.refused

        with server(command, env, port, folder / "ccc.log"):
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=10)
            posting = threading.Thread(target=post_until_done)
            posting.start()
            engine = make_engine(database)
            statements = count_statements(engine)
            started = time.perf_counter()
            counts, _ = run(
                engine,
                policy=load(PACKAGE_DIR / "retention.yaml"),
                now=datetime(2030, 1, 1, tzinfo=UTC),
                batch=args.batch,
            )
            seconds = time.perf_counter() - started
            done.set()
            posting.join()
            engine.dispose()
    during = Result(
        "webhooks during the run", len(latencies) - refused, refused, seconds, latencies
    )
    kind = "PostgreSQL" if database.startswith("postgresql") else "SQLite"
    records = sum(counts.values())
    print(f"retention over {args.tickets} closed tickets on {kind}: {seconds:.1f} s, "
          f"{counts['tickets'] / seconds:.0f} tickets/s, {records / seconds:.0f} records/s "
          f"({records} records); counts {counts}")  # fmt: skip
    batches = -(-counts["tickets"] // args.batch) + -(-counts["contacts"] // args.batch)
    print(f"{statements[0]} SQL statements, {statements[0] / max(batches, 1):.0f} per batch "
          f"of {args.batch} (tickets and contacts batches: {batches})")  # fmt: skip
    print(f"peak memory of the process that ran it: {peak_mib():.0f} MiB (seed included)")
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"{_cores()} cores, Python {platform.python_version()}")  # fmt: skip
    if failures:
        print(f"connection failures while posting: {len(failures)} ({sorted(set(failures))})")
    print(
        f"{during.accepted} webhooks accepted meanwhile ({during.refused} refused): "
        f"p50 {during.percentile(0.5):.0f} ms, p99 {during.percentile(0.99):.0f} ms"
    )
    return 0 if refused == 0 else 1


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


def _cores() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
