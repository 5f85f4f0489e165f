"""What one signed Twilio SMS webhook costs CCC's web process, counted rather than timed: SQL
statements, transactions, pool pings and new database connections, Redis commands and round
trips, and the process's CPU milliseconds. Counts do not move with the load of a shared machine.

Builds the app as `ccc serve` does (on the given database and Redis, which it writes to: use
scratch ones), posts the webhooks through Starlette's in-process test client from 8 threads at
once, and prints the figures per webhook.

    .venv/bin/python bench/webhook_costs.py --database URL --redis URL [--requests 500]
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
from harness import AUTH_TOKEN
from sqlalchemy import event
from twilio.request_validator import RequestValidator
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a scratch SQLAlchemy URL")
    parser.add_argument("--redis", help="a scratch Redis URL (its database is written to)")
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()

    upgrade(args.database)
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

    validator = RequestValidator(AUTH_TOKEN)
    url = PUBLIC_URL + PATH

    def post(client: TestClient, form: dict[str, str]) -> int:
        signature = validator.compute_signature(url, form)
        response = client.post(
            PATH,
            content=urlencode(form),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )
        return response.status_code

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
