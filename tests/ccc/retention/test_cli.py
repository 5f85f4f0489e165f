"""`ccc retention run` and `ccc ticket hold`, run as an operator runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlmodel import select

from ccc.access.models import AuditEntry
from ccc.retention.models import TicketHold
from ccc.tickets.models import Ticket
from tests.ccc.retention.year import generate
from tests.ccc.test_cli import Cli, ccc  # noqa: F401  (the fixture)
from workflows.files.library import PACKAGE_DIR


def counts(stdout: str) -> dict[str, int]:
    rows = [line.split("\t") for line in stdout.splitlines() if "\t" in line]
    return {kind: int(n) for kind, n in rows}


def test_a_dry_run_counts_a_run_anonymises_and_a_hold_keeps_a_ticket(ccc: Cli) -> None:  # noqa: F811
    assert ccc("demo").returncode == 0
    with ccc.session() as session:
        year = generate(session, year=2024, count=20, recordings_dir=None)
        session.commit()
    held = next(ref for ref in year.tickets if ref not in year.open_refs)
    on_hold = ccc("ticket", "hold", held, "--reason", "court order 12/2026")
    assert on_hold.returncode == 0, on_hold.stderr
    assert ccc("ticket", "hold", held, "--reason", "again").returncode == 1
    assert ccc("ticket", "hold", "12345678").returncode == 2  # --reason or --release is needed

    dry = ccc("retention", "run", "--dry-run", "--now", "2031-01-01")
    assert dry.returncode == 0, dry.stderr
    assert "dry run" in dry.stdout
    planned = counts(dry.stdout)
    assert set(planned) == {
        "recordings",
        "tickets",
        "calls",
        "conversations",
        "contacts",
        "audit",
        "deliveries",
    }
    closed = 20 - len(year.open_refs)
    assert planned["tickets"] == closed - 1
    with ccc.session() as session:
        assert session.exec(select(Ticket).where(Ticket.anonymised_at != None)).all() == []  # noqa: E711

    done = ccc("retention", "run", "--now", "2031-01-01")
    assert done.returncode == 0, done.stderr
    assert counts(done.stdout)["tickets"] == closed - 1
    with ccc.session() as session:
        kept = session.exec(select(Ticket).where(Ticket.reference == held)).one()
        assert kept.anonymised_at is None and kept.answers["name"]
        actions = [entry.action for entry in session.exec(select(AuditEntry)).all()]
        assert "hold" in actions and "retention" in actions

    released = ccc("ticket", "hold", held, "--release")
    assert released.returncode == 0, released.stderr
    assert counts(ccc("retention", "run", "--now", "2031-01-01").stdout)["tickets"] == 1
    with ccc.session() as session:
        hold = session.exec(select(TicketHold)).one()
        assert hold.released_at is not None and hold.reason == "court order 12/2026"


def test_a_bad_date_or_a_bad_retention_file_is_one_clear_line(ccc: Cli, tmp_path: Path) -> None:  # noqa: F811
    bad = ccc("retention", "run", "--now", "next year")
    assert bad.returncode == 1 and "--now must be an ISO date" in bad.stderr
    folder = tmp_path / "wf"
    shutil.copytree(PACKAGE_DIR, folder)
    (folder / "retention.yaml").write_text("retention:\n  tickets: 2 years\n", encoding="utf-8")
    ccc.env["CCC_WORKFLOWS_DIR"] = str(folder)
    refused = ccc("retention", "run", "--dry-run")
    assert refused.returncode == 1
    assert f"{folder / 'retention.yaml'}:2: '2 years' is not a period" in refused.stderr
