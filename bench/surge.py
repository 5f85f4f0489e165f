"""A surge on the toll-free line: more calls a second than one web process answers, with and
without turning new calls away (`CCC_VOICE_BUSY_AFTER`).

For each setting, `ccc serve` (one uvicorn process, jobs in-process, a fresh database) takes
calls arriving at `--rate` a second for `--seconds`. Each call is what Twilio would post for a
caller who picks Arabic, option 1, agrees to the notice, keys the relationship and consent,
leaves a voice message and hangs up (`bench/voice.py`'s call), waiting `--think` seconds between
answers as a caller listens to each prompt. Twilio gives up on a request after 15 s: such a call
is counted as lost (the caller heard an application error). A call answered "all our lines are
busy" is counted as turned away.

    .venv/bin/python bench/surge.py [--rate 20] [--seconds 30] [--think 1] [--busy-after 5,0]
        [--database postgresql+psycopg://…/SCRATCH]

Prints, per setting: calls placed, completed (a ticket each), turned away, lost; the answer
times of the requests of calls in progress (p50, p99, the longest); voice messages' tickets
stored; the turned-away calls recorded after the fact and the automatic callbacks made.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from harness import AUTH_TOKEN, ccc_env, count, cpu_seconds, free_port, reset, server
from twilio.request_validator import RequestValidator
from voice import call_steps

TWILIO_GIVES_UP = 15.0
BUSY = "<Hangup"
VOICE_MESSAGES = "SELECT count(*) FROM ticket WHERE channel = 'voice' AND category <> 'other'"


@dataclass
class Tally:
    placed: int = 0
    completed: int = 0
    turned_away: int = 0
    lost: int = 0
    answers: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    wall: float = 0.0
    # Turned-away calls in the database after the run, and the automatic callbacks.
    recorded: int = 0
    callbacks: int = 0

    def quantile(self, share: float) -> float:
        ordered = sorted(self.answers)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


Call = list[tuple[str, str, dict[str, str]]]


def signed_call(origin: str, index: int) -> Call:
    """A call's posts, encoded and signed before the clock starts (path, body, headers)."""
    validator = RequestValidator(AUTH_TOKEN)
    posts = []
    for path, form in call_steps(index):
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": validator.compute_signature(origin + path, form),
        }
        posts.append((path, urlencode(form), headers))
    return posts


async def one_call(
    client: aiohttp.ClientSession, origin: str, call: Call, think: float, tally: Tally
) -> None:
    tally.placed += 1
    for number, (path, body, headers) in enumerate(call):
        started = time.perf_counter()
        try:
            async with client.post(origin + path, data=body, headers=headers) as response:
                status, text = response.status, await response.text()
        except (aiohttp.ClientError, TimeoutError) as error:  # unanswered in 15 s, or dropped
            tally.lost += 1
            tally.errors[type(error).__name__] += 1
            return
        elapsed = time.perf_counter() - started
        if status != 200:
            tally.lost += 1
            tally.errors[f"HTTP {status}"] += 1
            return
        if number == 0 and BUSY in text and "<Gather" not in text:
            tally.turned_away += 1
            return
        if not path.endswith("/status"):
            tally.answers.append(elapsed)
        if number < len(call) - 1:
            await asyncio.sleep(think)
    tally.completed += 1


async def surge(origin: str, rate: float, seconds: float, think: float, offset: int) -> Tally:
    """Calls arriving at `rate` a second (aiohttp: with httpx the bench's own CPU, not the
    server, set the pace of a surge of a thousand calls at once)."""
    tally = Tally()
    calls = [signed_call(origin, offset + index) for index in range(int(rate * seconds))]
    timeout = aiohttp.ClientTimeout(total=TWILIO_GIVES_UP)
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as client:
        running = []
        started = time.perf_counter()
        for index, call in enumerate(calls):
            await asyncio.sleep(max(0.0, started + index / rate - time.perf_counter()))
            running.append(asyncio.create_task(one_call(client, origin, call, think, tally)))
        await asyncio.gather(*running)
    return tally


def run(args: argparse.Namespace, busy_after: float, folder: Path) -> tuple[Tally, int]:
    database = args.database or f"sqlite:///{folder / f'ccc-{busy_after}.db'}"
    if args.database:
        reset(args.database, args.redis)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {
        **ccc_env(database, origin),
        "CCC_SIMULATOR": "off",
        "CCC_VOICE_BUSY_AFTER": str(busy_after),
    }
    command = [sys.executable, "-m", "ccc.cli", "serve", "--port", str(port)]
    with server(command, env, port, folder / f"serve-{busy_after}.log") as process:
        asyncio.run(surge(origin, 2, 5, 0, 10**7))  # warm-up: ten calls, unhurried
        server_cpu, own_cpu, wall = cpu_seconds(process.pid), time.process_time(), time.time()
        tally = asyncio.run(surge(origin, args.rate, args.seconds, args.think, 0))
        tally.server_cpu = cpu_seconds(process.pid) - server_cpu
        tally.client_cpu = time.process_time() - own_cpu
        tally.wall = time.time() - wall
    # A voice message's ticket: the automatic callbacks' tickets (category other) are not.
    tickets = count(database, VOICE_MESSAGES) - 10
    tally.recorded = count(database, "SELECT count(*) FROM call WHERE outcome = 'turned_away'")
    tally.callbacks = count(database, "SELECT count(*) FROM callback WHERE automatic")
    return tally, tickets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20.0, help="new calls a second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a call's steps")
    parser.add_argument("--busy-after", default="5,0", help="CCC_VOICE_BUSY_AFTER values to run")
    parser.add_argument("--database", help="a scratch PostgreSQL URL (dropped and migrated)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9", help="emptied with it")
    args = parser.parse_args()
    settings = [float(value) for value in args.busy_after.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="ccc-bench-surge-") as scratch:
        for busy_after in settings:
            results.append((busy_after, *run(args, busy_after, Path(scratch))))
    kind = "PostgreSQL" if args.database else "SQLite"
    print(
        f"{args.rate:g} new calls a second for {args.seconds:g} s, {args.think:g} s between a "
        f"call's steps; one uvicorn process, jobs in-process, {kind}"
    )
    print(
        f"{'busy after':>10}{'placed':>8}{'done':>7}{'busy':>7}{'lost':>7}"
        f"{'p50 s':>8}{'p99 s':>8}{'max s':>8}{'tickets':>9}"
    )
    for busy_after, tally, tickets in results:
        label = f"{busy_after:g} s" if busy_after else "never"
        print(
            f"{label:>10}{tally.placed:>8}{tally.completed:>7}{tally.turned_away:>7}"
            f"{tally.lost:>7}{tally.quantile(0.5):>8.2f}{tally.quantile(0.99):>8.2f}"
            f"{max(tally.answers, default=0):>8.2f}{tickets:>9}"
            + (f"  lost to: {dict(tally.errors)}" if tally.errors else "")
        )
        print(
            f"{'':>10}  {tally.wall:.0f} s: the server's CPU {tally.server_cpu:.0f} s, "
            f"the bench's own {tally.client_cpu:.0f} s; turned-away calls recorded "
            f"{tally.recorded}, automatic callbacks {tally.callbacks}"
        )
    print(
        "done: calls that left their voice message; busy: told the lines are busy at once; "
        f"lost: a request unanswered within Twilio's {TWILIO_GIVES_UP:g} s (an application error "
        "for the caller). p50/p99/max: the answers of calls in progress."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
