"""How fast the rules engine decides, and how long the SLA breach job takes over a big queue.

1. Rule evaluations per second on one core: the shipped rules (`workflows/data/rules/`) run on
   `ticket.created` for tickets of every category with free-text answers in the four languages,
   through `workflows.rules.engine.evaluate` on an in-memory SQLite database (the engine reads the
   team and the contact's history from it; nothing is committed).
2. With `--database URL` (a scratch PostgreSQL database: it is migrated and filled), the breach
   job (`ccc.sla.tasks.check_slas`) over `--tickets` open tickets (100,000 by default): once
   with nothing due, once with `--due` alerts due at the same moment.

    .venv/bin/python bench/rules.py [--seconds 5]
    .venv/bin/python bench/rules.py --database postgresql+psycopg://postgres@127.0.0.1/ccc_bench
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, insert, text
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel

TEXTS = [
    "He left for work and did not come back.",
    "أخذوه إلى السجن من السيطرة",
    "لە خاڵی پشکنین دەستگیرکرا",
    "Ew niha li zindanê ye",
    "The distributor asked for a bribe.",
    "كان ينزف عندما أخذوه",
    "خرج إلى العمل ولم يعد منذ سنة",
    "Me alîkarî lazim e",
]
CATEGORIES = ["tracing", "detention", "assistance", "complaint", "feedback", "other"]


def evaluations(seconds: float) -> None:
    import ccc.models  # noqa: F401
    from ccc.access.models import Team
    from ccc.kernel.runtime import bootstrap
    from ccc.tickets.models import Ticket
    from workflows.files.library import current
    from workflows.rules.engine import evaluate

    bootstrap()
    engine = create_engine("sqlite://", poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        for slug in ("ccc", "tracing", "detention", "assistance", "accountability"):
            session.add(Team(slug=slug, name=slug))
        session.commit()
    book = current().rules
    listening = len(book.on("ticket.created"))
    rng = random.Random(11)
    done = 0
    with Session(engine) as session:
        start = time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(200):
                ticket = Ticket(
                    id=done + 1,
                    reference=f"{done:08d}",
                    contact_id=1,
                    identity_id=1,
                    channel="sms",
                    category=rng.choice(CATEGORIES),
                    answers={
                        "details": rng.choice(TEXTS),
                        "missing_person_name": "Omar Hassan",
                        "consent_to_share": rng.choice(["yes", "no"]),
                    },
                    created_at=datetime.now(UTC),
                )
                evaluate(session, ticket, "ticket.created", book=book)
                session.expunge_all()
                done += 1
            session.rollback()
        elapsed = time.perf_counter() - start
    print(
        f"rules: {done / elapsed:,.0f} ticket.created evaluations/s on one core, with their "
        f"database work ({listening} rules each, {done * listening / elapsed:,.0f} rules/s)"
    )
    conditions_only(book, seconds)


def conditions_only(book: Any, seconds: float) -> None:
    """The `when` of every rule, without the actions' reads and writes."""
    from ccc.tickets.models import Ticket
    from workflows.rules.conditions import Facts

    rules = book.on("ticket.created")
    tickets = [
        Ticket(
            id=n,
            reference=f"{n:08d}",
            contact_id=1,
            identity_id=1,
            channel="sms",
            category=CATEGORIES[n % len(CATEGORIES)],
            answers={"details": TEXTS[n % len(TEXTS)], "consent_to_share": "yes"},
            created_at=datetime.now(UTC),
        )
        for n in range(len(TEXTS) * len(CATEGORIES))
    ]
    now = datetime.now(UTC)
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for ticket in tickets:
            facts = Facts(ticket, "ticket.created", now, history_loader=list)
            for rule in rules:
                rule.test(facts)
            done += 1
    elapsed = time.perf_counter() - start
    print(
        f"rules: {done / elapsed:,.0f} ticket.created decisions/s on one core, conditions only "
        f"({done * len(rules) / elapsed:,.0f} rule conditions/s)"
    )


def breach_job(url: str, tickets: int, due: int) -> None:
    from ccc.contacts.models import Contact, Identity
    from ccc.kernel.db import make_engine
    from ccc.kernel.migrate import upgrade
    from ccc.kernel.runtime import build_runtime, set_runtime
    from ccc.kernel.settings import Settings
    from ccc.sla.tasks import check_slas
    from ccc.tickets.models import Ticket

    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE ticket, ticket_event, identity, contact CASCADE"))
    now = datetime.now(UTC)
    with Session(engine) as session:
        contact = Contact()
        session.add(contact)
        session.flush()
        identity = Identity(contact_id=contact.id, channel="sms", address="+9647700000000")
        session.add(identity)
        session.commit()
        contact_id, identity_id = contact.id, identity.id
    rows = (
        {
            "reference": f"{n:08d}",
            "contact_id": contact_id,
            "identity_id": identity_id,
            "channel": "sms",
            "category": CATEGORIES[n % len(CATEGORIES)],
            "status": "open",
            "priority": "normal",
            "sensitivity": "normal",
            "answers": {},
            "tags": [],
            "sla_fired": [],
            "sla_paused_seconds": 0.0,
            "created_at": now - timedelta(hours=1),
            "updated_at": now,
            # Spread over the coming weeks, as a real queue's next checks are.
            "sla_next_check": now + timedelta(minutes=10 + n % 40_000),
        }
        for n in range(tickets)
    )
    with engine.begin() as connection:
        for batch in iter(lambda: list(itertools.islice(rows, 10_000)), []):
            connection.execute(insert(Ticket), batch)
    settings = Settings(database_url=url, redis_url=None)
    set_runtime(build_runtime(settings))
    start = time.perf_counter()
    fired = check_slas()
    idle = time.perf_counter() - start
    print(
        f"breach job, {tickets:,} open tickets, nothing due: {idle * 1000:.1f} ms ({fired} fired)"
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "UPDATE ticket SET created_at = :old, sla_next_check = :now "
                "WHERE id IN (SELECT id FROM ticket ORDER BY id LIMIT :due)"
            ),
            {"old": now - timedelta(days=30), "now": now - timedelta(seconds=1), "due": due},
        )
    start = time.perf_counter()
    fired = check_slas()
    busy = time.perf_counter() - start
    print(
        f"breach job, {tickets:,} open tickets, {due:,} overdue: {busy:.2f} s "
        f"({fired:,} alerts fired, {fired / busy:,.0f} alerts/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--database", default=os.environ.get("CCC_BENCH_DATABASE_URL"))
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    evaluations(args.seconds)
    if args.database:
        breach_job(args.database, args.tickets, args.due)
    else:
        print("breach job: skipped (give --database postgresql+psycopg://... to measure it)")


if __name__ == "__main__":
    main()
