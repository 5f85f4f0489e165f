"""Reports for supervisors: volumes, resolution and SLA compliance over a period."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ccc.access import audit
from ccc.api.deps import CallerDep, SessionDep, SettingsDep
from ccc.api.params import WindowEnd, WindowStart
from ccc.reports import service as reports
from ccc.reports.schemas import Summary

router = APIRouter(prefix="/api/reports", tags=["reports"])


@router.get("/summary", response_model=Summary)
def summary(
    session: SessionDep,
    caller: CallerDep,
    settings: SettingsDep,
    from_: WindowStart = None,
    to: WindowEnd = None,
) -> dict[str, Any]:
    """A download of the figures: an export, recorded in the audit log (who, when, which
    window, from which address)."""
    start = reports.parse_bound(from_, end=False)
    end = reports.parse_bound(to, end=True)
    figures = reports.summary(
        session,
        caller=caller,
        start=start,
        end=end,
        focal_team=settings.restricted_focal_team,
        min_count=settings.report_min_count,
    )
    audit.record(
        session,
        caller=caller,
        action=audit.Action.export,
        what="reports.summary",
        figures=sorted(figures),
        window={
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
        },
    )
    return figures
