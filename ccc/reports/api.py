"""Reports for supervisors: volumes, resolution and SLA compliance over a period."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from ccc.api.deps import CallerDep, SessionDep, SettingsDep
from ccc.reports import service as reports
from ccc.reports.schemas import Summary

router = APIRouter(prefix="/api/reports", tags=["reports"])


@router.get("/summary", response_model=Summary)
def summary(
    session: SessionDep,
    caller: CallerDep,
    settings: SettingsDep,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
) -> dict[str, Any]:
    return reports.summary(
        session,
        caller=caller,
        start=reports.parse_bound(from_, end=False),
        end=reports.parse_bound(to, end=True),
        focal_team=settings.restricted_focal_team,
        min_count=settings.report_min_count,
    )
