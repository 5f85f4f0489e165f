"""`ccc report year YEAR [--format csv|json]`: the contact centre's figures for a calendar year
(UTC), from the very service behind `GET /api/reports/summary`, so the two agree to the unit
for the same window (`from=YEAR-01-01&to=YEAR-12-31`), with the same small-count rule. As an
admin outside the focal team reads it: restricted cases are left out of every figure. It reads
only what retention keeps, so it answers the same after a run."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from ccc.access import audit
from ccc.access.policy import Caller
from ccc.cli_common import admin_caller as _admin_caller
from ccc.cli_common import migrated_engine as _engine
from ccc.kernel.db import session_scope
from ccc.kernel.errors import Invalid
from ccc.kernel.settings import Settings, get_settings
from ccc.reports import service
from ccc.reports.schemas import Summary


def figures(session: Session, *, year: int, caller: Caller, settings: Settings) -> dict[str, Any]:
    """The year's summary exactly as the API serialises it."""
    if not 2000 <= year <= 2100:
        raise Invalid("the year must be between 2000 and 2100")
    found = service.summary(
        session,
        caller=Caller(user_id=caller.user_id, name=caller.name, role="admin"),
        start=datetime(year, 1, 1, tzinfo=UTC),
        end=datetime(year + 1, 1, 1, tzinfo=UTC),
        focal_team=settings.restricted_focal_team,
        min_count=settings.report_min_count,
    )
    audit.record(
        session,
        caller=caller,
        action=audit.Action.export,
        what="reports.year",
        window={"from": f"{year}-01-01", "to": f"{year}-12-31"},
    )
    shown: dict[str, Any] = Summary.model_validate(found).model_dump(mode="json", by_alias=True)
    return shown


def monthly(session: Session, *, year: int, settings: Settings) -> dict[str, Any]:
    """Month by month (UTC) what the year report's charts draw: calls received, messages
    received per channel, and inquiries created per channel, category and team. Each month is
    the same `service.summary` as the year (same reader, same small-count rule), so a month
    never shows a count the year's figures would hide."""
    if not 2000 <= year <= 2100:
        raise Invalid("the year must be between 2000 and 2100")
    reader = Caller(user_id=None, name="reports.year", role="admin")
    months = [
        service.summary(
            session,
            caller=reader,
            start=datetime(year, month, 1, tzinfo=UTC),
            end=datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC),
            focal_team=settings.restricted_focal_team,
            min_count=settings.report_min_count,
        )
        for month in range(1, 13)
    ]
    least = settings.report_min_count
    return {
        # A year's total is a total; split by month it is a breakdown, and follows the rule.
        "calls_received": [_small(month["calls_received"], least) for month in months],
        **{
            name: _by_month(months, name)
            for name in ("messages_received", "by_channel", "by_category", "by_team")
        },
    }


def _small(count: Any, least: int) -> Any:
    if isinstance(count, int) and 0 < count < least:
        return f"<{least}"
    return count


def _by_month(months: list[dict[str, Any]], name: str) -> dict[str, list[Any]]:
    """{key: [count in January, …, count in December]}, a month without any being 0."""
    keys = sorted({key for month in months for key in month[name]})
    return {key: [month[name].get(key, 0) for month in months] for key in keys}


def as_csv(shown: dict[str, Any]) -> str:
    """One row per figure: `figure,key,value` (key empty for a single figure)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["figure", "key", "value"])
    for name, value in shown.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, dict):
                    for deeper, number in inner.items():
                        writer.writerow([f"{name}.{key}", _cell(deeper), _cell(number)])
                else:
                    writer.writerow([name, _cell(key), _cell(inner)])
        else:
            writer.writerow([name, "", _cell(value)])
    return out.getvalue()


# A cell a spreadsheet would run as a formula: a governorate is whatever a person wrote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def add_commands(commands: Any) -> None:
    report = commands.add_parser("report", help="the centre's figures").add_subparsers(
        metavar="ACTION"
    )
    year = report.add_parser("year", help="a calendar year's figures (as /api/reports/summary)")
    year.add_argument("year", type=int)
    year.add_argument("--format", choices=["json", "csv"], default="json")
    year.set_defaults(run=_year)


def _year(args: argparse.Namespace) -> int:
    with session_scope(_engine()) as session:
        shown = figures(session, year=args.year, caller=_admin_caller(), settings=get_settings())
    if args.format == "csv":
        print(as_csv(shown), end="")
    else:
        print(json.dumps(shown, ensure_ascii=False, indent=2))
    return 0
