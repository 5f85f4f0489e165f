"""How many signed Twilio webhooks per second CCC accepts, next to a bare FastAPI insert.

Starts two servers on 127.0.0.1, each a single uvicorn process on a fresh database:
`ccc serve` (it migrates, then serves, exactly as in production) and `bench/bare_app.py` (one
INSERT per request). Then posts the same signed SMS webhooks, from distinct numbers, to each,
with a fixed concurrency, and prints accepted messages per second and p50/p99 latency for both.

    .venv/bin/python bench/webhooks.py [--requests 1000] [--concurrency 16]

Without Redis (the default, as `make run`), CCC answers each webhook once the message is stored
and runs the chatbot turn and its reply afterwards, in a background thread of the same web
process: the answers do not wait for the turns, but the turns compete with them for the process.
The bench then waits until every message's turn has run and prints that time too. Set
`--redis URL` to measure acceptance alone, as in production, where workers do the rest.
`--database URL` runs both servers on that database instead of SQLite files (it must be a
scratch database: CCC migrates it and the bench writes to it).

With 16 requests in flight, the latency of the saturated run is only 16 / throughput (the bare
app's own p99 is hundreds of milliseconds there). `--rate R` (repeatable) adds an open-loop run
per server after it: webhooks sent at R arrivals per second, evenly spaced, for `--seconds`
seconds whether or not earlier ones were answered, each latency counted from the moment its
webhook was due (so a server that falls behind shows it, rather than slowing the sender down).

    .venv/bin/python bench/webhooks.py --rate 50 --rate 100 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode
from uuid import uuid4

import httpx
from harness import (
    AUTH_TOKEN,
    Result,
    count,
    cpu_seconds,
    free_port,
    pool,
    print_results,
    server,
)
from twilio.request_validator import RequestValidator

PATH = "/webhooks/twilio/messaging"
DEADLINE_SECONDS = 300.0
# Enough for an open-loop run's webhooks in flight at once when a server falls behind.
OPEN_CONNECTIONS = 256
OPEN_NUMBERS = 1_000_000


def forms(count: int, first: int = 0) -> list[dict[str, str]]:
    """Real-shaped SMS webhooks, each from its own number (`first` the index of the first), as
    many people writing at once."""
    return [
        {
            "ToCountry": "US",
            "SmsMessageSid": (sid := f"SM{uuid4().hex}"),
            "NumMedia": "0",
            "SmsSid": sid,
            "SmsStatus": "received",
            "Body": "مرحبا",
            "FromCountry": "IQ",
            "To": "+12025550143",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": "AC0123456789abcdef0123456789abcdef",
            "From": f"+96477{index:08d}",
            "ApiVersion": "2010-04-01",
        }
        for index in range(first, first + count)
    ]


def signed_requests(
    signed_url: str, batch: list[dict[str, str]]
) -> list[tuple[str, dict[str, str]]]:
    validator = RequestValidator(AUTH_TOKEN)
    return [
        (
            urlencode(form),
            {
                "content-type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": validator.compute_signature(signed_url, form),
            },
        )
        for form in batch
    ]


async def hammer(
    name: str, url: str, signed_url: str, batch: list[dict[str, str]], concurrency: int
) -> Result:
    latencies: list[float] = []
    refused = 0
    queue: asyncio.Queue[tuple[str, dict[str, str]]] = asyncio.Queue()
    for item in signed_requests(signed_url, batch):
        queue.put_nowait(item)

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal refused
        while not queue.empty():
            body, headers = queue.get_nowait()
            started = time.perf_counter()
            response = await client.post(url, content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                refused += 1

    seconds = await pool(concurrency, worker, DEADLINE_SECONDS)
    return Result(name, len(latencies) - refused, refused, seconds, latencies)


async def steady(
    name: str, url: str, signed_url: str, batch: list[dict[str, str]], rate: float
) -> Result:
    """Open loop: webhook i is sent at i / rate seconds, answered or not those before it."""
    requests = signed_requests(signed_url, batch)
    latencies: list[float] = []
    refused = 0
    limits = httpx.Limits(max_connections=OPEN_CONNECTIONS, max_keepalive_connections=64)
    # A webhook waiting for a free connection is late, not failed: no limit on that wait.
    timeout = httpx.Timeout(30.0, pool=None)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as client:
        loop = asyncio.get_running_loop()
        began = loop.time() + 0.1

        async def one(due: float, body: str, headers: dict[str, str]) -> None:
            nonlocal refused
            await asyncio.sleep(max(0.0, due - loop.time()))
            try:
                response = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError:  # timed out: counted as refused, as Twilio would see it
                response = None
            latencies.append(loop.time() - due)
            if response is None or response.status_code != 200:
                refused += 1

        await asyncio.wait_for(
            asyncio.gather(
                *(one(began + index / rate, *request) for index, request in enumerate(requests))
            ),
            DEADLINE_SECONDS,
        )
        seconds = loop.time() - began
    return Result(f"{name} at {rate:g}/s", len(latencies) - refused, refused, seconds, latencies)


def run(
    name: str, url: str, signed: str, count: int, warmup: int, concurrency: int, pid: int
) -> tuple[Result, float]:
    """The measured run, and the server's CPU milliseconds per webhook during it."""
    asyncio.run(hammer(name, url, signed, forms(warmup), concurrency))
    before = cpu_seconds(pid)
    result = asyncio.run(hammer(name, url, signed, forms(count), concurrency))
    return result, (cpu_seconds(pid) - before) * 1000 / count


def run_steady(
    name: str, url: str, signed: str, rates: list[float], seconds: float, pid: int
) -> list[tuple[Result, float]]:
    """An open-loop run per rate, each with the server's CPU milliseconds per webhook."""
    results = []
    for run_number, rate in enumerate(rates, start=1):
        # Numbers of their own, as the saturated run's: each webhook a person's first message.
        batch = forms(max(1, round(rate * seconds)), first=OPEN_NUMBERS * run_number)
        before = cpu_seconds(pid)
        result = asyncio.run(steady(name, url, signed, batch, rate))
        results.append((result, (cpu_seconds(pid) - before) * 1000 / len(batch)))
    return results


def wait_for_replies(database: str, began: float) -> float:
    """Seconds from `began` until every inbound message has been processed (its turn ran)."""
    sql = "SELECT count(*) FROM message WHERE direction = 'in' AND processed_at IS NULL"
    while count(database, sql) > 0 and time.perf_counter() - began < DEADLINE_SECONDS:
        time.sleep(0.2)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="webhooks per server")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--database", help="a scratch SQLAlchemy URL instead of SQLite files")
    parser.add_argument("--redis", help="a Redis URL: CCC enqueues jobs instead of running them")
    parser.add_argument(
        "--rate",
        type=float,
        action="append",
        default=[],
        help="also send at this many webhooks/s, open loop (repeatable)",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="length of each --rate run")
    parser.add_argument(
        "--port", type=int, help="CCC listens on PORT and the bare app on PORT+1 (default: free)"
    )
    args = parser.parse_args()
    if not 1 <= args.requests <= 20_000 or not 1 <= args.concurrency <= 256:
        parser.error("--requests must be 1..20000 and --concurrency 1..256")
    if any(not 0 < rate <= 1000 for rate in args.rate) or not 0 < args.seconds <= 600:
        parser.error("--rate must be in (0, 1000] and --seconds in (0, 600]")

    with tempfile.TemporaryDirectory(prefix="ccc-bench-") as scratch:
        folder = Path(scratch)
        ccc_db = args.database or f"sqlite:///{folder / 'ccc.db'}"
        bare_db = args.database or f"sqlite:///{folder / 'bare.db'}"
        ccc_port, bare_port = (
            (args.port, args.port + 1) if args.port else (free_port(), free_port())
        )
        ccc_env = {
            "CCC_DATABASE_URL": ccc_db,
            "CCC_PUBLIC_URL": f"http://127.0.0.1:{ccc_port}",
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "CCC_REDIS_URL": args.redis or "",
            "CCC_OUTBOUND": "record",
            "CCC_SIMULATOR": "off",
        }
        ccc_cmd = [sys.executable, "-m", "ccc.cli", "serve", "--port", str(ccc_port)]
        bare_cmd = [
            sys.executable, "-m", "uvicorn", "bare_app:app", "--app-dir", "bench",
            "--host", "127.0.0.1", "--port", str(bare_port),
        ]  # fmt: skip
        ccc_url = f"http://127.0.0.1:{ccc_port}{PATH}"
        bare_url = f"http://127.0.0.1:{bare_port}/webhook"

        with server(ccc_cmd, ccc_env, ccc_port, folder / "ccc.log") as process:
            began = time.perf_counter()
            ccc, ccc_cpu = run(
                f"CCC {PATH}",
                ccc_url,
                ccc_url,
                args.requests,
                args.warmup,
                args.concurrency,
                process.pid,
            )
            ccc_open = run_steady(
                f"CCC {PATH}", ccc_url, ccc_url, args.rate, args.seconds, process.pid
            )
            replied = None if args.redis else wait_for_replies(ccc_db, began)
        bare_env = {"BENCH_DATABASE_URL": bare_db}
        with server(bare_cmd, bare_env, bare_port, folder / "bare.log") as process:
            bare, bare_cpu = run(
                "bare FastAPI, one INSERT",
                bare_url,
                bare_url,
                args.requests,
                args.warmup,
                args.concurrency,
                process.pid,
            )
            bare_open = run_steady(
                "bare FastAPI, one INSERT", bare_url, bare_url, args.rate, args.seconds, process.pid
            )
        kept = count(ccc_db, "SELECT count(*) FROM message WHERE direction = 'in'")

    database = "PostgreSQL" if ccc_db.startswith("postgresql") else "SQLite"
    jobs = "jobs enqueued on Redis" if args.redis else "jobs in a background thread of the server"
    print(
        f"{args.requests} signed Twilio SMS webhooks per server, {args.concurrency} at a time, "
        f"{database}, {jobs}, one uvicorn process each, loopback"
    )
    print_results([ccc, bare], unit="msgs/s")
    print(
        f"CCC/bare: {ccc.rate / bare.rate:.2f}x the throughput, "
        f"{ccc.percentile(0.5) / bare.percentile(0.5):.1f}x the median latency; "
        f"CCC stored {kept} inbound messages (warm-up included)"
    )
    print(
        f"server CPU per webhook: CCC {ccc_cpu:.2f} ms, bare {bare_cpu:.2f} ms "
        f"({ccc_cpu / bare_cpu:.1f}x; without Redis CCC's includes the turns run meanwhile)"
    )
    if replied is not None:
        print(f"every message's turn had run {replied:.1f} s after the first webhook was sent")
    opened = [pair for pairs in zip(ccc_open, bare_open, strict=True) for pair in pairs]
    if opened:
        print(
            f"open loop: evenly spaced arrivals for {args.seconds:g} s per rate, "
            "latency from each webhook's due time"
        )
        print_results([result for result, _cpu in opened], unit="msgs/s", width=48)
        for result, cpu in opened:
            print(f"  server CPU per webhook, {result.name}: {cpu:.2f} ms")
    refused = [ccc, bare, *(result for result, _cpu in opened)]
    return 0 if all(result.refused == 0 for result in refused) else 1


if __name__ == "__main__":
    sys.exit(main())
