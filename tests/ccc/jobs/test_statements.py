"""How many SQL statements a chatbot turn and a send cost: a count, not a time.

Each statement is a round trip and a few hundred microseconds of SQLAlchemy in the worker, and a
turn is mostly statements (docs/performance.md, "Workers and sends"). A change that adds one to
every turn shows here; one that takes one away should lower the pinned figure. SQLite counts its
`BEGIN IMMEDIATE` (ccc/kernel/db.py); PostgreSQL's BEGIN is implicit in the driver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select

from ccc.channels.port import InboundMessage
from ccc.jobs import runner
from ccc.jobs.dispatch import Scheduled, as_scheduled
from ccc.jobs.models import OutboxJob
from ccc.messages.service import accept_inbound
from tests.conftest import Harness

# (dialect) -> statements for: the first turn (greeting: the language menu), its send, the
# second turn (the language picked: the main menu).
PINNED = {
    "sqlite": {"first turn": 12, "send": 6, "second turn": 14},
    "postgresql": {"first turn": 11, "send": 5, "second turn": 13},
}


class Kept:
    """A dispatcher that only keeps what it is handed: the test runs each job itself."""

    def __init__(self) -> None:
        self.jobs: list[Scheduled] = []

    def dispatch(self, jobs: Sequence[int | Scheduled], *, background: bool = False) -> None:
        self.jobs.extend(map(as_scheduled, jobs))


@pytest.fixture
def kept(ccc: Harness, monkeypatch: pytest.MonkeyPatch) -> Iterator[Kept]:
    dispatcher = Kept()
    monkeypatch.setattr(ccc.runtime, "dispatcher", dispatcher)
    yield dispatcher


def statements(ccc: Harness, job_id: int) -> int:
    count = 0

    def one(*_args: Any) -> None:
        nonlocal count
        count += 1

    event.listen(ccc.engine, "before_cursor_execute", one)
    try:
        runner._run(ccc.runtime, job_id)
    finally:
        event.remove(ccc.engine, "before_cursor_execute", one)
    return count


def write(ccc: Harness, kept: Kept, text: str, number: int) -> int:
    inbound = InboundMessage(
        channel="sms", address="+9647701234567", external_id=f"SM{number:032d}", text=text
    )
    kept.jobs.clear()
    with ccc.runtime.unit_of_work() as session:
        accept_inbound(session, inbound=inbound)
    [turn] = kept.jobs
    return turn.id


def only_send(ccc: Harness, kept: Kept) -> int:
    [send] = kept.jobs
    with ccc.session() as session:
        job = session.exec(select(OutboxJob).where(OutboxJob.id == send.id)).one()
    assert job.kind == "send_message"
    return send.id


def test_a_turn_and_a_send_cost_the_pinned_number_of_statements(ccc: Harness, kept: Kept) -> None:
    pinned = PINNED[ccc.engine.dialect.name]
    counted: dict[str, int] = {}

    turn = write(ccc, kept, "hello", 1)
    kept.jobs.clear()
    counted["first turn"] = statements(ccc, turn)
    send = only_send(ccc, kept)
    counted["send"] = statements(ccc, send)

    turn = write(ccc, kept, "4", 2)
    kept.jobs.clear()
    counted["second turn"] = statements(ccc, turn)
    only_send(ccc, kept)

    assert ccc.transcript("+9647701234567")[1]["status"] == "sent"
    assert counted == pinned, "update PINNED and docs/performance.md if this is intended"
