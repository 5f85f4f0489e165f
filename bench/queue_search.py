"""The queue's filters and searches at a million tickets (`bench/console.py --search`).

Fills a scratch PostgreSQL database straight through COPY (contacts, their phone identities and
tickets with answers in Arabic, Sorani and English, their search text as the application writes
it), builds the indexes once after the load, then times `GET /api/tickets` for each filter and
search against `ccc serve`, one request at a time, and shows PostgreSQL's plan of each query
(the same statement the API runs, captured in process), flagging any sequential scan of `ticket`.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from harness import free_port, server
from sqlalchemy import event, make_url, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from ccc.access.auth import create_user
from ccc.access.models import Team
from ccc.access.policy import Caller
from ccc.access.service import ensure_team
from ccc.demo import TEAMS
from ccc.kernel.db import make_engine
from ccc.tickets import references
from ccc.tickets.models import Ticket
from ccc.tickets.queue import QueueFilter, list_tickets
from ccc.tickets.search import search_text

ROOT = Path(__file__).resolve().parent.parent
RARE_NAME = "زينب"  # in exactly RARE tickets: nowhere else in the generated words
RARE = 5
NAMES = ["محمد", "علي", "حسين", "أحمد", "فاطمة", "مريم", "عمر", "خالد", "Omar", "Ali", "Hassan"]
NAMES += ["ئارام", "هێمن", "شیرین", "کاروان", "Karwan", "Layla", "Noor", "سارا", "یوسف"]
PLACES = ["بغداد", "الموصل", "البصرة", "أربيل", "دهوك", "کەرکووک", "هەولێر", "Mosul", "Erbil"]
WORDS = [
    "مفقود",
    "منذ",
    "شهر",
    "آخر",
    "مرة",
    "شوهد",
    "في",
    "السوق",
    "قرب",
    "المستشفى",
    "بێسەروشوێن",
]
WORDS += ["لە", "دوای", "missing", "since", "last", "seen", "near", "the", "camp", "checkpoint"]
STATUSES = ["new"] * 3 + ["open"] * 8 + ["referred"] * 3 + ["pending"] * 3 + ["closed"] * 83
CATEGORIES = ["tracing", "detention", "assistance", "complaint", "feedback", "information"]
CHANNELS = ["sms", "whatsapp", "telegram", "voice"]
COLUMNS = (
    "reference status category priority sensitivity channel language contact_id identity_id "
    "team_id answers created_at updated_at first_response_due first_response_at resolution_due "
    "closed_at sla_breached_at waiting_on last_inbound_at search_text tags sla_fired "
    "sla_paused_seconds next_response_paused_before"
).split()


def _details(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))


def _ticket(
    rng: random.Random, n: int, ref: str, now: datetime, ctx: dict[str, Any]
) -> tuple[Any, ...]:
    created = now - timedelta(minutes=rng.randint(1, 365 * 24 * 60))
    contact = rng.randint(1, ctx["contacts"])
    status = rng.choice(STATUSES)
    roll = rng.random()
    sensitivity = "restricted" if roll < 0.01 else "sensitive" if roll < 0.06 else "normal"
    name = RARE_NAME if n in ctx["rare"] else rng.choice(NAMES)
    answers = {
        "missing_person_name": f"{name} {rng.choice(NAMES)}",
        "governorate": rng.choice(PLACES),
        "details": _details(rng),
    }
    said = [_details(rng)]
    is_open = status != "closed"
    # Open tickets are the recent ones; a few of them past their due times.
    if is_open:
        created = now - timedelta(hours=rng.randint(1, 24 * 10))
    breached = created + timedelta(days=3) if is_open and rng.random() < 0.05 else None
    waiting = "centre" if is_open and rng.random() < 0.4 else None
    return (
        ref,
        status,
        rng.choice(CATEGORIES),
        "normal",
        sensitivity,
        rng.choice(CHANNELS),
        "ar",
        contact,
        contact,
        rng.choice(ctx["teams"]),
        json.dumps(answers, ensure_ascii=False),
        created,
        created,
        created + timedelta(hours=8),
        created + timedelta(hours=2) if rng.random() < 0.8 else None,
        created + timedelta(days=14),
        created + timedelta(days=2) if not is_open else None,
        breached,
        waiting,
        created + timedelta(minutes=5) if waiting else None,
        search_text(answers, said),
        "[]",
        "[]",
        0.0,
        0.0,
    )


def fill(engine: Engine, url: str, tickets: int) -> dict[str, Any]:
    """The tickets, straight through COPY, with the indexes built once after the load."""
    rng = random.Random(20)
    with Session(engine) as session:
        teams = [ensure_team(session, slug=s, name=n) for s, n in TEAMS.items()]
        session.commit()
        team_ids = [t.id for t in teams]
    contacts = max(tickets // 3, 1)
    now = datetime.now(UTC)
    bodies = rng.sample(range(10**references.BODY_LENGTH), tickets)
    refs = [f"{b:07d}{references.damm_digit(f'{b:07d}')}" for b in bodies]
    ctx = {"contacts": contacts, "teams": team_ids, "rare": set(rng.sample(range(tickets), RARE))}
    table: Any = Ticket.__table__  # type: ignore[attr-defined]
    indexes = [i for i in table.indexes if i.name != "ix_ticket_reference"]
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with engine.begin() as connection:
        for index in indexes:
            connection.execute(text(f"DROP INDEX {index.name}"))
    began = time.monotonic()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        with cur.copy("COPY contact (language, created_at) FROM STDIN") as copy:
            for _ in range(contacts):
                copy.write_row(("ar", now))
        with cur.copy(
            "COPY identity (contact_id, channel, address, created_at) FROM STDIN"
        ) as copy:
            for i in range(contacts):
                copy.write_row((i + 1, "sms", f"+96477{i:08d}", now))
        with cur.copy(f"COPY ticket ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n in range(tickets):
                copy.write_row(_ticket(rng, n, refs[n], now, ctx))
                if n % 50_000 == 0:
                    print(f"  {n} tickets", file=sys.stderr, end="\r")
    loaded = time.monotonic() - began
    began = time.monotonic()
    with engine.begin() as connection:
        connection.execute(text("SET maintenance_work_mem = '256MB'"))
        for index in indexes:
            index.create(connection)
        connection.execute(text("ANALYZE"))
    built = time.monotonic() - began
    print(f"loaded in {loaded:.0f} s, indexes built in {built:.0f} s", file=sys.stderr)
    return {"refs": refs, "contacts": contacts}


def cases(data: dict[str, Any], n: int) -> list[tuple[str, Callable[[int], dict[str, str]]]]:
    """Each filter and search, with fresh values per request where the filter takes one."""
    rng = random.Random(5)
    refs, contacts = data["refs"], data["contacts"]

    def number(form: Callable[[str], str]) -> Callable[[int], dict[str, str]]:
        return lambda _i: {"q": form(f"{rng.randrange(contacts):08d}")}

    return [
        ("first page", lambda _i: {}),
        ("q=phone +9647700123456", number(lambda d: f"+96477{d}")),
        ("q=phone 0770 123 4567", number(lambda d: f"077{d[:1]} {d[1:4]} {d[4:]}")),
        ("q=phone 00964…", number(lambda d: f"0096477{d}")),
        ("q=phone Arabic-Indic digits", number(lambda d: "٠٧٧" + d.translate(_INDIC))),
        ("q=reference", lambda _i: {"q": rng.choice(refs)}),
        ("q=reference 1234-5678", lambda _i: {"q": (r := rng.choice(refs))[:4] + "-" + r[4:]}),
        (f"q={RARE_NAME} (a name in {RARE} tickets)", lambda _i: {"q": RARE_NAME}),
        ("q=بغداد (a common word)", lambda _i: {"q": "بغداد"}),
        ("q=بێسەروشوێن (common, Sorani)", lambda _i: {"q": "بێسەروشوێن"}),
        ("q=checkpoint (common, English)", lambda _i: {"q": "checkpoint"}),
        ("q=absent word", lambda _i: {"q": "Qasimiya"}),
        ("sla=breached", lambda _i: {"sla": "breached"}),
        ("waiting=centre", lambda _i: {"waiting": "centre"}),
        ("team=tracing&status=open", lambda _i: {"team": "tracing", "status": "open"}),
        ("team=detention&status=referred", lambda _i: {"team": "detention", "status": "referred"}),
        (
            "category=complaint&status=pending",
            lambda _i: {"category": "complaint", "status": "pending"},
        ),
    ]


_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def plans(engine: Engine, params: dict[str, str]) -> str:
    """The plan of the statement `list_tickets` runs for these parameters (as a supervisor)."""
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM ticket" in statement:
            statements.append((statement, parameters))

    caller = Caller(user_id=None, name="bench", role="supervisor")
    with Session(engine) as session:
        event.listen(engine, "before_cursor_execute", capture)
        try:
            list_tickets(
                session,
                caller=caller,
                filters=QueueFilter(**params),
                focal_team="accountability",
                cursor=None,
                limit=50,
            )
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        statement, parameters = statements[-1]
        explained = session.connection().exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters)
        return "\n".join(row[0] for row in explained)


def _summary(plan: str) -> str:
    used = sorted(
        {
            w.strip(" ,")
            for line in plan.splitlines()
            for w in line.split()
            if w.startswith(("ix_", "ticket_pkey", "uq_", "identity_"))
        }
    )
    scan = "SEQ SCAN on ticket" if "Seq Scan on ticket" in plan else "no scan of ticket"
    took = [line.split(":")[1].strip() for line in plan.splitlines() if "Execution Time" in line]
    return f"db {took[0] if took else '?'}; {scan}; {', '.join(used)}"


def timed(client: httpx.Client, make: Callable[[int], dict[str, str]], n: int) -> list[float]:
    times = []
    for i in range(n + 3):
        params = make(i)
        began = time.perf_counter()
        response = client.get("/api/tickets", params=params)
        elapsed = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (params, response.status_code, response.text)
        if i >= 3:  # warm-up
            times.append(elapsed)
    return times


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def run(args: Any, fresh_schema: Callable[[str], Engine]) -> None:
    began = time.monotonic()
    fresh_schema(args.database)
    engine = make_engine(args.database)
    data = fill(engine, args.database, args.tickets)
    print(f"filled {args.tickets} tickets in {time.monotonic() - began:.0f} s", file=sys.stderr)
    with Session(engine) as session:
        _user, token = create_user(
            session, name="bench-supervisor", role="supervisor", team_slugs=[]
        )
        session.commit()
        assert session.exec(select(Team)).first() is not None
    port = free_port()
    env = {
        "CCC_DATABASE_URL": args.database,
        "CCC_PUBLIC_URL": "http://127.0.0.1",
        "CCC_SEARCH_LIMIT_PER_MINUTE": "10000",
        "CCC_REDIS_URL": "",
    }
    command = [str(Path(sys.executable).parent / "ccc"), "serve", "--port", str(port)]
    log = Path(tempfile.mkdtemp(prefix="ccc-bench-search-")) / "ccc.log"
    with server(command, env, port, log):
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        print(
            f"{'GET /api/tickets?…':40} {'p50':>8} {'p95':>8}  plan (EXPLAIN ANALYZE, supervisor)"
        )
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for name, make in cases(data, args.requests):
                times = timed(client, make, args.requests)
                plan = plans(engine, make(0))
                p50, p95 = statistics.median(times), _p95(times)
                print(f"{name:40} {p50:6.1f}ms {p95:6.1f}ms  {_summary(plan)}")
                if args.plans:
                    print(plan, "\n")
    engine.dispose()
