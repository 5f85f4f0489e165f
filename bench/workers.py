"""Chatbot turns per second for 1, 2 and 4 worker processes, and the delay from webhook to reply.

For each worker count, on a scratch PostgreSQL database and Redis database (both emptied first):
one `ccc serve` (uvicorn, one process) takes signed Twilio SMS webhooks; then

1. backlog: `--people` people each send one SMS while no worker runs; `ccc worker --processes N`
   starts and works through them (a turn and a send each): turns per second = people over the
   time from the first reply sent to the last (the workers' start-up left out);
2. fixed arrival: with the workers running, `--rate` new people a second write for
   `--seconds` (the issue's 50 a second for a minute by default); the delay of each is its
   reply's send (the send job's end) minus its message's storage, p50 and p99. `--seconds 0`
   leaves it out.

    .venv/bin/python bench/workers.py --database postgresql+psycopg://…/ccc_bench \\
        --redis redis://127.0.0.1:6379/9 [--people 500] [--workers 1,2,4] [--rate 50] [--seconds 60]

Both URLs must be scratch: the bench drops every table of the database and empties the Redis db.
Outbound messages are recorded (`CCC_OUTBOUND=record`), not sent.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from harness import AUTH_TOKEN, ROOT, count, free_port, reset, server
from sqlalchemy import create_engine, text
from webhooks import forms

PATH = "/webhooks/twilio/messaging"
LATENCY_SQL = """
SELECT EXTRACT(EPOCH FROM (j.finished_at - i.created_at))
FROM message i
JOIN message o ON o.identity_id = i.identity_id AND o.direction = 'out'
JOIN outbox_job j ON j.kind = 'send_message' AND (j.payload->>'message_id')::int = o.id
WHERE i.direction = 'in' AND i.created_at >= :since AND j.finished_at IS NOT NULL
"""


async def post_all(url: str, batch: list[dict[str, str]], rate: float | None) -> int:
    """Posts each form signed; at `rate` a second when given, else 16 at a time."""
    from urllib.parse import urlencode

    from twilio.request_validator import RequestValidator

    validator = RequestValidator(AUTH_TOKEN)
    refused = 0
    async with httpx.AsyncClient(timeout=30) as client:

        async def one(form: dict[str, str]) -> None:
            nonlocal refused
            headers = {
                "content-type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": validator.compute_signature(url, form),
            }
            response = await client.post(url, content=urlencode(form), headers=headers)
            refused += response.status_code != 200

        if rate is None:
            for start in range(0, len(batch), 16):
                await asyncio.gather(*(one(form) for form in batch[start : start + 16]))
            return refused
        tasks = []
        began = time.perf_counter()
        for index, form in enumerate(batch):
            delay = began + index / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(form)))
        await asyncio.gather(*tasks)
    return refused


def replies(database: str) -> int:
    return count(database, "SELECT count(*) FROM message WHERE direction = 'out'")


def wait_for_replies(database: str, expected: int, deadline: float) -> float:
    began = time.perf_counter()
    while replies(database) < expected:
        if time.perf_counter() - began > deadline:
            raise SystemExit(f"only {replies(database)} of {expected} replies after {deadline} s")
        time.sleep(0.05)
    return time.perf_counter() - began


def busy_seconds(database: str) -> float:
    """From the first reply sent to the last: the workers' own time, without their start-up."""
    engine = create_engine(database)
    sql = "SELECT EXTRACT(EPOCH FROM (max(finished_at) - min(finished_at))) FROM outbox_job"
    with engine.connect() as connection:
        seconds = float(connection.execute(text(sql + " WHERE kind = 'send_message'")).scalar_one())
    engine.dispose()
    return seconds


def latencies(database: str, since: datetime) -> list[float]:
    engine = create_engine(database)
    with engine.connect() as connection:
        rows = [float(r[0]) for r in connection.execute(text(LATENCY_SQL), {"since": since})]
    engine.dispose()
    return sorted(rows)


def quantile(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(share * len(values)))] if values else float("nan")


def worker_cpu_seconds(pool: subprocess.Popen[bytes]) -> float:
    """User and system time of the pool's worker processes so far (Linux): load-independent,
    unlike the wall time, on a machine shared with others."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for children in Path(f"/proc/{pool.pid}/task").glob("*/children"):
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
    return total


def measure(args: argparse.Namespace, workers: int, folder: Path) -> dict[str, float]:
    reset(args.database, args.redis)
    port = free_port()
    env = {
        "CCC_DATABASE_URL": args.database,
        "CCC_REDIS_URL": args.redis,
        "CCC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "CCC_OUTBOUND": "record",
        "CCC_SIMULATOR": "off",
    }
    url = f"http://127.0.0.1:{port}{PATH}"
    serve = [sys.executable, "-m", "ccc.cli", "serve", "--port", str(port)]
    with server(serve, env, port, folder / f"serve-{workers}.log"):
        backlog = forms(args.people)
        refused = asyncio.run(post_all(url, backlog, None))
        with (folder / f"worker-{workers}.log").open("wb") as log:
            pool = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "ccc.cli", "worker", "--processes", str(workers)],
                env={**os.environ, **env},
                cwd=ROOT,
                stdout=log,
                stderr=log,
            )
            try:
                wait_for_replies(args.database, args.people, 600)
                seconds = busy_seconds(args.database)
                cpu = worker_cpu_seconds(pool)
                since = datetime.now(UTC)
                arrivals = [
                    {**form, "From": "+9647801" + form["From"][-6:]}
                    for form in forms(int(args.rate * args.seconds))
                ]
                delays: list[float] = []
                if arrivals:
                    refused += asyncio.run(post_all(url, arrivals, args.rate))
                    wait_for_replies(args.database, args.people + len(arrivals), 600)
                    delays = latencies(args.database, since)
            finally:
                pool.terminate()
                pool.wait(timeout=60)
    return {
        "turns_per_s": (args.people - 1) / seconds,
        # The workers' CPU over the backlog (their start-up and cron included): a turn and a send.
        "cpu_ms": cpu * 1000 / args.people,
        "p50": quantile(delays, 0.5),
        "p99": quantile(delays, 0.99),
        "refused": refused,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a scratch PostgreSQL URL")
    parser.add_argument("--redis", required=True, help="a scratch Redis URL (it is emptied)")
    parser.add_argument("--people", type=int, default=500)
    parser.add_argument("--workers", default="1,2,4", help="worker counts, comma-separated")
    parser.add_argument("--rate", type=float, default=50.0, help="arrivals a second, phase 2")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of phase 2 (0: none)")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    results: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="ccc-bench-workers-") as scratch:
        for workers in counts:
            results[workers] = measure(args, workers, Path(scratch))
    print(
        f"{platform.node()} {os.cpu_count()} cores, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; "
        f"{args.people} people one SMS each (backlog), then {args.rate:g}/s for {args.seconds:g} s"
    )
    print(
        f"{'workers':>8}{'turns/s':>10}{'x one':>8}{'CPU ms/turn':>13}"
        f"{'reply p50 s':>13}{'reply p99 s':>13}"
    )
    base = results[counts[0]]["turns_per_s"]
    for workers, figures in results.items():
        print(
            f"{workers:>8}{figures['turns_per_s']:>10.1f}{figures['turns_per_s'] / base:>8.2f}"
            f"{figures['cpu_ms']:>13.1f}{figures['p50']:>13.3f}{figures['p99']:>13.3f}"
        )
    return 0 if not any(r["refused"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
