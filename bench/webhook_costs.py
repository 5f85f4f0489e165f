"""What one signed Twilio SMS webhook costs CCC's web process, counted rather than timed: SQL
statements, transactions, pool pings and new database connections, Redis commands and round
trips, and the process's CPU milliseconds. Counts do not move with the load of a shared machine.
With `--calls N`, the toll-free line's instead: N calls as `bench/voice.py` places them (the
language menu, four key presses, the voice message, the status callback), one at a time, and
the same figures for each kind of request.

Builds the app as `ccc serve` does (on the given database and Redis, which it writes to: use
scratch ones), posts the webhooks through Starlette's in-process test client from 8 threads at
once, and prints the figures per webhook.

    .venv/bin/python bench/webhook_costs.py --database URL --redis URL [--requests 500]
    .venv/bin/python bench/webhook_costs.py --database URL --redis URL --calls 150 [--sql]

`--sql` prints the statements of each kind of the line's requests (the last call's).
"""

from __future__ import annotations

import argparse
import resource
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import redis.connection
from fastapi.testclient import TestClient
from harness import AUTH_TOKEN, add_teams
from sqlalchemy import event
from twilio.request_validator import RequestValidator
from voice import VOICE, call_steps
from webhooks import PATH, forms

from ccc.api.app import create_app
from ccc.api.wiring import runtime_for
from ccc.kernel.migrate import upgrade
from ccc.kernel.settings import Settings

PUBLIC_URL = "http://bench.invalid"


def count_redis(counts: Counter[str]) -> None:
    """Count Redis round trips (one packed send each) and the commands they carry."""
    connection = redis.connection.AbstractConnection
    send, pack_one, pack_many = (
        connection.send_packed_command,
        connection.pack_command,
        connection.pack_commands,
    )

    def send_packed_command(self: Any, command: Any, check_health: bool = True) -> None:
        counts["redis round trips"] += 1
        send(self, command, check_health)

    def pack_command(self: Any, *args: Any) -> Any:
        counts["redis commands"] += 1
        return pack_one(self, *args)

    def pack_commands(self: Any, commands: Any) -> Any:
        commands = list(commands)
        counts["redis commands"] += len(commands) - 1  # pack_command counts each of them too
        return pack_many(self, commands)

    connection.send_packed_command = send_packed_command  # type: ignore[method-assign]
    connection.pack_command = pack_command  # type: ignore[method-assign]
    connection.pack_commands = pack_commands  # type: ignore[method-assign]


VALIDATOR = RequestValidator(AUTH_TOKEN)


def signed_post(client: TestClient, path: str, form: dict[str, str]) -> int:
    response = client.post(
        path,
        content=urlencode(form),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": VALIDATOR.compute_signature(PUBLIC_URL + path, form),
        },
    )
    return response.status_code


# A caller who picks a language and hangs up at the main menu (`--leave-at-menu`): the most
# common call of bench/replay.py's year; its end files the automatic callback's ticket.
LEAVING_STEPS = ("first request", "key press", "status callback")
STEP_NAMES = (
    "first request",
    "key press",
    "key press",
    "key press",
    "key press",
    "key press",
    "voice message",
    "status callback",
)


def leaving_steps(index: int) -> list[tuple[str, dict[str, str]]]:
    whole = call_steps(index)
    return [whole[0], whole[1], whole[-1]]


def calls(
    runtime: Any, counts: Counter[str], number: int, *, sql: bool = False, leave: bool = False
) -> int:
    """Each request of `number` calls, one call after the other, its figures by kind. The
    signature is computed before the CPU clock starts; the test client's work is counted.
    With `sql`, the statements of the last call's requests are printed after."""
    statements: list[str] = []
    samples: dict[str, list[str]] = {}
    if sql:
        event.listen(
            runtime.engine,
            "before_cursor_execute",
            lambda _c, _cur, statement, *_a: statements.append(statement),
        )
    names, steps = (LEAVING_STEPS, leaving_steps) if leave else (STEP_NAMES, call_steps)
    by_kind: dict[str, Counter[str]] = {name: Counter() for name in names}
    cpu: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    with TestClient(create_app(runtime=runtime, background=False)) as client:
        for index in range(number + 10):
            for name, (path, form) in zip(names, steps(index), strict=True):
                body = urlencode(form)
                headers = {
                    "content-type": "application/x-www-form-urlencoded",
                    "X-Twilio-Signature": VALIDATOR.compute_signature(PUBLIC_URL + path, form),
                }
                counts.clear()
                statements.clear()
                before = resource.getrusage(resource.RUSAGE_SELF)
                status = client.post(path, content=body, headers=headers).status_code
                after = resource.getrusage(resource.RUSAGE_SELF)
                samples[name] = list(statements)
                if index < 10:  # warm-up
                    continue
                statuses[status] += 1
                seen[name] += 1
                by_kind[name].update(counts)
                used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                cpu[name] += used * 1000
    print(f"{number} calls through {VOICE}, answers {dict(statuses)}, per request:")
    print(f"  {'request':<16}{'CPU ms':>8}{'statements':>12}{'commits':>9}{'redis trips':>13}")
    whole = 0.0
    for name in dict.fromkeys(names):
        n = seen[name]
        whole += cpu[name] / number
        figures = by_kind[name]
        print(
            f"  {name:<16}{cpu[name] / n:8.2f}{figures['SQL statements'] / n:12.1f}"
            f"{figures['commits'] / n:9.1f}{figures['redis round trips'] / n:13.1f}"
        )
    print(f"  the whole call: {whole:.1f} CPU ms (test client included)")
    for name, texts in samples.items() if sql else ():
        print(f"\n--- {name} (the last call's): {len(texts)} statements")
        for text in texts:
            print(" ", " ".join(text.split())[:220])
    return 0 if set(statuses) == {200} else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a scratch SQLAlchemy URL")
    parser.add_argument("--redis", help="a scratch Redis URL (its database is written to)")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--calls", type=int, help="measure the voice line's requests instead")
    parser.add_argument("--sql", action="store_true", help="with --calls: print the statements")
    parser.add_argument(
        "--leave-at-menu", action="store_true", help="with --calls: each caller hangs up there"
    )
    args = parser.parse_args()

    upgrade(args.database)
    add_teams(args.database)
    settings = Settings(
        database_url=args.database,
        redis_url=args.redis or None,
        public_url=PUBLIC_URL,
        twilio_auth_token=AUTH_TOKEN,
        outbound="record",
        simulator=False,
    )
    runtime = runtime_for(settings)
    counts: Counter[str] = Counter()
    for name, label in (
        ("before_cursor_execute", "SQL statements"),
        ("commit", "commits"),
    ):
        event.listen(runtime.engine, name, lambda *_a, label=label: counts.update([label]))
    event.listen(runtime.engine.pool, "connect", lambda *_a: counts.update(["new connections"]))
    event.listen(runtime.engine.pool, "checkout", lambda *_a: counts.update(["pool checkouts"]))
    count_redis(counts)

    if args.calls:
        return calls(runtime, counts, args.calls, sql=args.sql, leave=args.leave_at_menu)

    def post(client: TestClient, form: dict[str, str]) -> int:
        return signed_post(client, PATH, form)

    with TestClient(create_app(runtime=runtime, background=False)) as client:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda f: post(client, f), forms(50)))  # warm-up
            counts.clear()
            before = resource.getrusage(resource.RUSAGE_SELF)
            statuses = Counter(pool.map(lambda f: post(client, f), forms(args.requests)))
            after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000

    print(f"{args.requests} signed SMS webhooks, answers {dict(statuses)}, per webhook:")
    for label, value in sorted(counts.items()):
        print(f"  {label:<20}{value / args.requests:8.2f}")
    print(f"  {'CPU ms (in-process)':<20}{cpu / args.requests:8.2f}  (test client included)")
    return 0 if set(statuses) == {200} else 1


if __name__ == "__main__":
    sys.exit(main())
