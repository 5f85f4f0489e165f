"""A year of generated tickets, a retention run two years later and another years after: the
reports answer byte for byte the same, and no number, name or body of a person past their
period is left in any text column; open tickets and tickets on hold are untouched."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import JSON, String, Text, select
from sqlmodel import SQLModel

from ccc.access.policy import Caller
from ccc.retention import holds
from ccc.retention.policy import Policy, load
from ccc.retention.tasks import plan, run
from ccc.tickets.models import Ticket
from tests.ccc.retention.year import Year, generate
from tests.conftest import Harness
from tests.flows import open_ticket
from workflows.files.library import PACKAGE_DIR

TWO_YEARS_LATER = datetime(2026, 12, 31, 3, tzinfo=UTC)
YEARS_LATER = datetime(2030, 6, 1, 3, tzinfo=UTC)
WINDOWS = [("2020-01-01", "2031-12-31"), ("2024-03-01", "2024-03-31"), ("2024-07-01", None)]
ADMIN = Caller(user_id=None, name="cli:test", role="admin")


def shipped() -> Policy:
    return load(PACKAGE_DIR / "retention.yaml")


def figures(ccc: Harness, headers: list[dict[str, str]]) -> list[bytes]:
    found = []
    for reader in headers:
        for start, end in WINDOWS:
            params = {"from": start, **({"to": end} if end else {"to": "2031-12-31"})}
            response = ccc.client.get("/api/reports/summary", params=params, headers=reader)
            assert response.status_code == 200, response.text
            found.append(response.content)
    return found


def text_columns(ccc: Harness) -> list[str]:
    """Every value of every text and JSON column of every table, as text."""
    values: list[str] = []
    with ccc.engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            for column in table.columns:
                if (
                    isinstance(column.type, String | Text | JSON)
                    or "String" in type(column.type).__name__
                ):
                    for (value,) in connection.execute(select(column)):
                        if value is not None:
                            values.append(str(value))
    return values


def left_over(ccc: Harness, secrets: list[str]) -> set[str]:
    everything = "\n".join(text_columns(ccc))
    return {secret for secret in secrets if secret in everything}


def test_retention_keeps_every_figure_and_forgets_the_people(ccc: Harness, tmp_path: Path) -> None:
    readers = [
        ccc.user("sam", "supervisor", ["ccc"]),
        ccc.user("ada", "supervisor", ["accountability"]),
    ]
    agent = ccc.user("alice", "agent", ["ccc"])
    open_ticket(ccc, "+9647709990001", "tracing")
    closed_ref = open_ticket(ccc, "+9647709990002", "complaint")
    for status in ("resolved", "closed"):
        changed = ccc.client.patch(
            f"/api/tickets/{closed_ref}", json={"status": status}, headers=agent
        )
        assert changed.status_code == 200, changed.text
    with ccc.session() as session:
        year: Year = generate(session, year=2024, count=72, recordings_dir=tmp_path)
        held_ref = next(
            ref
            for ref in year.tickets
            if ref not in year.open_refs and ref not in year.complaint_refs
        )
        held_ticket = session.exec(select(Ticket).where(Ticket.reference == held_ref)).scalar_one()
        holds.hold(session, ticket=held_ticket, reason="family request 2024/17", caller=ADMIN)
        session.commit()
        due_two_years = [
            ref
            for ref, ticket in (
                (t.reference, t) for t in session.exec(select(Ticket)).scalars().all()
            )
            if ref in year.tickets
            and ticket.status == "closed"
            and ref not in year.complaint_refs
            and ref != held_ref
            and ticket.closed_at is not None
            and (TWO_YEARS_LATER - ticket.closed_at).days > 730
        ]
    assert len(due_two_years) > 30
    before = figures(ccc, readers)

    dry = plan(ccc.engine, policy=shipped(), now=TWO_YEARS_LATER)
    counts, left = run(
        ccc.engine, policy=shipped(), now=TWO_YEARS_LATER, recordings_dir=str(tmp_path), batch=7
    )
    assert left is None
    assert counts["tickets"] == dry["tickets"] == len(due_two_years)
    assert figures(ccc, readers) == before
    gone = [s for ref in due_two_years for s in year.tickets[ref].secrets()]
    assert left_over(ccc, gone) == set()
    kept = [ref for ref in year.tickets if ref not in due_two_years]
    assert left_over(ccc, [year.tickets[ref].body for ref in kept]) == {
        year.tickets[ref].body for ref in kept
    }

    again, _ = run(ccc.engine, policy=shipped(), now=TWO_YEARS_LATER)
    assert set(again.values()) == {0}

    run(ccc.engine, policy=shipped(), now=YEARS_LATER, recordings_dir=str(tmp_path), batch=50)
    assert figures(ccc, readers) == before
    untouched = set(year.open_refs) | {held_ref}
    forgotten = [
        s for ref in year.tickets if ref not in untouched for s in year.tickets[ref].secrets()
    ]
    assert left_over(ccc, forgotten + ["+9647709990002", "not selected although"]) == set()
    still = [s for ref in untouched for s in year.tickets[ref].secrets()]
    assert left_over(ccc, still + ["+9647709990001", "Omar Hassan"]) == set(still) | {
        "+9647709990001",
        "Omar Hassan",
    }
    assert {ref for ref, file in year.files.items() if file.exists()} == untouched & set(year.files)
    with ccc.session() as session:
        for ref in untouched:
            ticket = session.exec(select(Ticket).where(Ticket.reference == ref)).scalar_one()
            assert ticket.anonymised_at is None and "name" in ticket.answers
    timeline = ccc.client.get(f"/api/tickets/{closed_ref}/timeline", headers=readers[0])
    assert timeline.status_code == 200  # the tombstoned ticket still opens


def test_a_run_in_slices_does_what_one_run_does(ccc: Harness) -> None:
    """The nightly job's slices: each does at least one batch and hands on its cursors."""
    with ccc.session() as session:
        generate(session, year=2024, count=30, recordings_dir=None)
        session.commit()
    expected = plan(ccc.engine, policy=shipped(), now=YEARS_LATER)
    counts: dict[str, int] | None = None
    cursors: dict[str, int | None] | None = None
    slices = 0
    while True:
        slices += 1
        counts, cursors = run(
            ccc.engine,
            policy=shipped(),
            now=YEARS_LATER,
            batch=4,
            budget=0,
            cursors=cursors,
            counts=counts,
        )
        if cursors is None:
            break
    assert slices > 5
    for kind in ("tickets", "recordings", "audit", "deliveries"):  # calls go with their ticket
        assert counts[kind] == expected[kind], kind
    assert set(plan(ccc.engine, policy=shipped(), now=YEARS_LATER).values()) == {0}
