"""The supervisors' dashboard: the reports API's figures as charts beside tables, and CSV.

Every figure comes from `ccc.reports.service` (`summary`, what `GET /api/reports/summary`
returns, and `dashboard_breakdowns` for the days and the backlog), with the API's small-count
rule (`CCC_REPORT_MIN_COUNT`): no breakdown shows a count under it, and a supervisor outside the
focal team never counts a restricted case.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ccc.access import audit
from ccc.console.deps import ConsoleDep
from ccc.console.i18n import CENTRE_TZ, format_day
from ccc.console.report_page import KIND_OF, failed, labeller
from ccc.console.web import Console, page
from ccc.kernel.errors import CCCError, Forbidden
from ccc.kernel.timeutil import utcnow
from ccc.reports.service import READERS, dashboard_breakdowns, parse_bound, summary

router = APIRouter(prefix="/console", include_in_schema=False)


def _bounds(start: str | None, end: str | None) -> tuple[datetime, datetime]:
    to = parse_bound(end, end=True) or utcnow()
    since = parse_bound(start, end=False) or to - timedelta(days=30)
    return since, to


def figures(console: Console, start: datetime, end: datetime) -> dict[str, Any]:
    if console.caller.role not in READERS:
        raise Forbidden("the dashboard is for supervisors and admins")
    report = summary(
        console.session,
        caller=console.caller,
        start=start,
        end=end,
        focal_team=console.settings.restricted_focal_team,
        min_count=console.settings.report_min_count,
    )
    own = dashboard_breakdowns(
        console.session,
        console.caller,
        start=start,
        end=end,
        focal_team=console.settings.restricted_focal_team,
        min_count=console.settings.report_min_count,
        tz=CENTRE_TZ,
    )
    charts = {
        "by_day": own["by_day"],
        **{name: report[name] for name in ("by_channel", "by_category", "by_governorate")},
        "backlog": own["backlog"],
        "calls": {key: report["calls"][key] for key in CALL_FIGURES},
    }
    return {"report": report, "charts": charts}


# The calls chart: the summary report's `calls` counts (docs/voice.md), in this order.
CALL_FIGURES = {
    "received": "Calls received",
    "answered": "Answered by an agent",
    "abandoned": "Abandoned",
    "turned_away": "Turned away: lines busy",
    "voice_messages": "Voice messages",
    "callbacks_requested": "Callbacks requested",
    "callbacks_reached": "Callbacks: reached",
    "callbacks_not_reached": "Callbacks: not reached",
}
AXES = {
    "by_day": "Day",
    "by_channel": "Channel",
    "by_category": "Category",
    "by_governorate": "Governorate",
    "backlog": "Age",
    "calls": "Calls",
}


def labels(console: Console, charts: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    """Each chart's labels in the reader's language: the keys of channels, categories and
    governorates through `report_page.label`, ages and call figures as the UI's words, days as
    dates."""
    _ = console._
    word = labeller(console)

    def one(name: str, key: object) -> str:
        if name == "by_day":
            return format_day(date.fromisoformat(str(key)), console.language)
        if name in KIND_OF:
            return str(word(KIND_OF[name], str(key)))
        return _(CALL_FIGURES.get(str(key), str(key)))

    return {name: [one(name, key) for key in values] for name, values in charts.items()}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, console: ConsoleDep, start: str | None = None, end: str | None = None
) -> HTMLResponse:
    try:
        since, to = _bounds(start, end)
        data = figures(console, since, to)
    except CCCError as exc:
        return failed(
            request,
            "dashboard.html",
            console,
            exc,
            charts={},
            report=None,
            start=start or "",
            end=end or "",
        )
    return page(
        request,
        "dashboard.html",
        language=console.language,
        console=console,
        start=since.date().isoformat(),
        end=(to - timedelta(seconds=1)).date().isoformat(),
        labels=labels(console, data["charts"]),
        axes={name: console._(word) for name, word in AXES.items()},
        **data,
    )


@router.get("/dashboard.csv")
def dashboard_csv(
    request: Request, console: ConsoleDep, start: str | None = None, end: str | None = None
) -> Response:
    """The dashboard's figures as CSV: an export, recorded in the audit log with who, when,
    which figures over which window, and from which address."""
    since, to = _bounds(start, end)
    data = figures(console, since, to)
    rows = _csv_rows(data)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["figure", "key", "value"])
    writer.writerows([_cell(name), _cell(key), _cell(value)] for name, key, value in rows)
    audit.record(
        console.session,
        caller=console.caller,
        action=audit.Action.export,
        what="dashboard.csv",
        figures=sorted({*data["charts"], *(name for name, _, _ in rows)}),
        rows=len(rows),
        window={"from": since.isoformat(), "to": to.isoformat()},
    )
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="ccc-dashboard-{stamp}.csv"'},
    )


def _csv_rows(data: dict[str, Any]) -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = []
    for name, values in data["charts"].items():
        rows.extend((name, key, value) for key, value in values.items())
    report = data["report"]
    for name in (
        "tickets_created",
        "inquiries_resolved",
        "calls_received",
        "median_first_response_seconds",
        "median_resolution_seconds",
    ):
        rows.append((name, "", report.get(name)))
    rows.extend(("sla", key, value) for key, value in report["sla"].items())
    rows.append(("calls", "median_wait_seconds", report["calls"]["median_wait_seconds"]))
    return rows


# A cell a spreadsheet would run as a formula: a governorate is whatever a person wrote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
