"""How long the console's queue and ticket pages take with 100,000 tickets in PostgreSQL.

Fills a scratch PostgreSQL database with tickets spread over a year (with contacts, messages and
timeline events, a few sensitive and restricted), starts `ccc serve` on it, opens a console
session for an agent and for a team member, and requests each page one at a time over loopback,
printing p50/p95 in milliseconds (the time from request to last byte: on loopback with one
request in flight, that is the server's time).

    .venv/bin/python bench/console.py [--database URL] [--tickets 100000] [--requests 100]
    .venv/bin/python bench/console.py --events [--streams 100] [--samples 10] [--tickets 1000]
    .venv/bin/python bench/console.py --search [--tickets 1000000] [--requests 40] [--plans]

`--search` measures the API's queue filters and searches instead (`bench/queue_search.py`): it
loads the tickets through COPY, builds the indexes once, and prints p50/p95 of
`GET /api/tickets` for each filter and search with the indexes PostgreSQL's plan used.

`--events` measures the live stream instead: it opens `--streams` console sessions, each with
`GET /console/events` open, then sends signed Twilio webhooks (whole intakes, one person after
another) and prints p50/p99 of the time from the webhook that creates a ticket to that
ticket's event in each stream. Without `--redis` jobs run in the web process; with it, a
`ccc worker` handles the webhooks and the event crosses processes through the database and
the Redis wake-up.

The database must be a scratch one: the bench drops and recreates its `public` schema.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import (
    AUTH_TOKEN,
    PASSWORD,
    ccc_env,
    free_port,
    fresh_schema,
    serving,
    session_cookie,
)
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from ccc.access.service import ensure_team
from ccc.console import auth
from ccc.contacts.models import Contact, Identity
from ccc.demo import TEAMS
from ccc.messages.models import Message
from ccc.tickets import references
from ccc.tickets.models import Ticket, TicketEvent

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/ccc_console_bench"
STATUSES = ["new"] * 5 + ["open"] * 10 + ["referred"] * 5 + ["pending"] * 5 + ["closed"] * 75
CATEGORIES = ["tracing", "detention", "assistance", "complaint", "feedback", "information"]
CHANNELS = ["sms", "whatsapp", "telegram", "voice"]
GOVERNORATES = ["Ninewa", "Baghdad", "Duhok", "Erbil", "Anbar", "Basra", "Kirkuk"]
BATCH = 5000


def fill(engine: Engine, tickets: int) -> list[str]:
    """Returns the references of the tickets an agent may open."""
    rng = random.Random(7)
    with Session(engine) as session:
        teams = [ensure_team(session, slug=s, name=n) for s, n in TEAMS.items()]
        session.commit()
        team_ids = [t.id for t in teams]
    contacts = max(tickets // 5, 1)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            insert(Contact), [{"language": "ar", "created_at": now} for _ in range(contacts)]
        )
        connection.execute(
            insert(Identity),
            [
                {
                    "contact_id": i + 1,
                    "channel": "sms",
                    "address": f"+96477{i:08d}",
                    "created_at": now,
                }
                for i in range(contacts)
            ],
        )
    seen: set[str] = set()
    for start in range(0, tickets, BATCH):
        rows, messages, events = [], [], []
        for n in range(start, min(start + BATCH, tickets)):
            reference = references.generate()
            while reference in seen:
                reference = references.generate()
            seen.add(reference)
            created = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
            contact = rng.randint(1, contacts)
            status = rng.choice(STATUSES)
            roll = rng.random()
            sensitivity = "restricted" if roll < 0.01 else "sensitive" if roll < 0.06 else "normal"
            rows.append(
                {
                    "reference": reference,
                    "contact_id": contact,
                    "identity_id": contact,
                    "channel": rng.choice(CHANNELS),
                    "language": "ar",
                    "category": rng.choice(CATEGORIES),
                    "team_id": rng.choice(team_ids),
                    "status": status,
                    "priority": "normal",
                    "sensitivity": sensitivity,
                    "answers": {
                        "governorate": rng.choice(GOVERNORATES),
                        "details": "…" * 20,
                        "consent_to_share": "yes",
                    },
                    "created_at": created,
                    "updated_at": created,
                    "first_response_due": created + timedelta(hours=8),
                    "resolution_due": created + timedelta(days=3),
                    "closed_at": created + timedelta(days=2) if status == "closed" else None,
                }
            )
            for k in range(3):
                messages.append(
                    {
                        "contact_id": contact,
                        "identity_id": contact,
                        "ticket_id": n + 1,
                        "direction": "in" if k % 2 == 0 else "out",
                        "channel": "sms",
                        "text": "نص رسالة للاختبار " * 3,
                        "media": [],
                        "buttons": [],
                        "status": "received" if k % 2 == 0 else "delivered",
                        "created_at": created + timedelta(minutes=k),
                        "updated_at": created + timedelta(minutes=k),
                    }
                )
            events.append(
                {
                    "ticket_id": n + 1,
                    "kind": "created",
                    "actor": "contact",
                    "data": {},
                    "created_at": created,
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(Ticket), rows)
            connection.execute(insert(Message), messages)
            connection.execute(insert(TicketEvent), events)
        print(f"  {min(start + BATCH, tickets)} tickets", file=sys.stderr, end="\r")
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    with Session(engine) as session:
        visible = session.exec(
            text(
                "SELECT reference FROM ticket WHERE sensitivity <> 'restricted' "
                "ORDER BY random() LIMIT 500"
            )  # type: ignore[call-overload]
        ).all()
    return [row[0] for row in visible]


def timed(client: httpx.Client, paths: list[str]) -> list[float]:
    times = []
    for path in paths:
        began = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def report(name: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]
    print(f"{name:40} n={len(times):4}  p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--events", action="store_true", help="bench the events stream")
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--redis", help="a scratch Redis URL: a worker handles the webhooks")
    parser.add_argument("--port", type=int, default=0, help="serve on this port (else a free one)")
    parser.add_argument("--search", action="store_true", help="bench the API's filters and search")
    parser.add_argument("--plans", action="store_true", help="with --search: print every plan")
    args = parser.parse_args()
    if args.search:
        from queue_search import run

        run(args, fresh_schema)
        return
    if args.events:
        events_bench(args)
        return

    began = time.monotonic()
    engine = fresh_schema(args.database)
    refs = fill(engine, args.tickets)
    print(f"filled {args.tickets} tickets in {time.monotonic() - began:.0f} s", file=sys.stderr)
    agent = session_cookie(engine, "bench-agent", "agent", ["ccc"])
    member = session_cookie(engine, "bench-tracing", "team_member", ["tracing"])

    port = args.port or free_port()
    with serving(ccc_env(args.database, f"http://127.0.0.1:{port}"), port) as base:
        n = args.requests
        rng = random.Random(11)
        cases: list[tuple[str, str, list[str]]] = [
            ("queue, agent (active tickets)", agent, ["/console"] * n),
            ("queue rows (htmx poll), agent", agent, ["/console/queue/rows"] * n),
            ("queue, agent, breaching soon", agent, ["/console?view=breaching"] * n),
            (
                "queue, agent, search by reference",
                agent,
                [f"/console?q={rng.choice(refs)}" for _ in range(n)],
            ),
            ("queue, team member", member, ["/console"] * n),
            (
                "ticket page, agent",
                agent,
                [f"/console/tickets/{rng.choice(refs)}" for _ in range(n)],
            ),
        ]
        for name, cookie, paths in cases:
            with httpx.Client(base_url=base, cookies={"ccc_session": cookie}, timeout=60) as c:
                timed(c, paths[:5])  # warm-up
                report(name, timed(c, paths))


def events_bench(args: argparse.Namespace) -> None:
    import asyncio

    from events import measure, report

    engine = fresh_schema(args.database)
    fill(engine, args.tickets)
    cookies = [session_cookie(engine, "bench-agent", "agent", ["ccc"])]
    with Session(engine) as session:
        for _ in range(args.streams - 1):
            opened = auth.log_in(
                session, username="bench-agent", password=PASSWORD, address="127.0.0.1"
            )
            assert opened is not None
            cookies.append(opened.token)
        session.commit()
    # A shared machine gives each engineer a range of ports: --port keeps the server in it.
    port = args.port or free_port()
    env = ccc_env(args.database, f"http://127.0.0.1:{port}", args.redis)
    with serving(env, port, worker=bool(args.redis)) as base:
        latencies = asyncio.run(measure(base, cookies, AUTH_TOKEN, args.samples))
    report(latencies, len(cookies), args.samples)


if __name__ == "__main__":
    main()
