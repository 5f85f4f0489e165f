"""The year report agrees with /api/reports/summary to the unit, before and after retention."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from ccc.access.policy import Caller
from ccc.reports.year import as_csv, figures
from ccc.retention.policy import load
from ccc.retention.tasks import run
from tests.ccc.retention.year import generate
from tests.ccc.test_cli import Cli  # noqa: F401  (the fixture)
from tests.conftest import Harness
from workflows.files.library import PACKAGE_DIR

ADMIN = Caller(user_id=None, name="cli:test", role="admin")


def test_the_year_agrees_with_the_summary_before_and_after_retention(ccc: Harness) -> None:
    admin = ccc.user("root", "admin")
    with ccc.session() as session:
        made = generate(session, year=2024, count=60, recordings_dir=None)
        session.commit()

    def both() -> tuple[dict[str, object], dict[str, object]]:
        api = ccc.client.get(
            "/api/reports/summary", params={"from": "2024-01-01", "to": "2024-12-31"}, headers=admin
        )
        assert api.status_code == 200, api.text
        with ccc.session() as session:
            year = figures(session, year=2024, caller=ADMIN, settings=ccc.runtime.settings)
            session.commit()
        return api.json(), year

    api, year = both()
    assert year == api
    # restricted cases are left out, as for an admin outside the focal team
    created = 60 - len(made.restricted_refs)
    assert year["tickets_created"] == created
    run(
        ccc.engine,
        policy=load(PACKAGE_DIR / "retention.yaml"),
        now=datetime(2031, 1, 1, tzinfo=UTC),
    )
    assert both() == (api, year)
    rows = list(csv.reader(io.StringIO(as_csv(year))))
    assert rows[0] == ["figure", "key", "value"]
    assert ["tickets_created", "", str(created)] in rows
    assert ["by_category", "tracing", str(year["by_category"]["tracing"])] in rows
    assert any(row[0] == "calls" and row[1] == "received" for row in rows)
