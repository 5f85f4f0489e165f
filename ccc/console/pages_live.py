"""`/console/live` (supervisors): the centre right now, per team and per agent, who is online,
and what nobody is attending; the figures come from `ccc.reports.service.live_view`."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ccc.access.policy import OVERSIGHT
from ccc.console import i18n, presence
from ccc.console.deps import ConsoleDep
from ccc.console.format import age
from ccc.console.pages_replies import forbidden
from ccc.console.web import Console, page
from ccc.kernel.timeutil import utcnow
from ccc.reports.service import live_view

router = APIRouter(prefix="/console", include_in_schema=False)
WINDOWS = {"today": "Today", "24h": "Last 24 hours", "7d": "Last 7 days"}


def window_start(window: str, now: datetime) -> datetime:
    if window == "24h":
        return now - timedelta(hours=24)
    if window == "7d":
        return now - timedelta(days=7)
    local = now.astimezone(i18n.CENTRE_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _show(request: Request, console: Console, window: str, template: str) -> Response:
    if console.caller.role not in OVERSIGHT:
        return forbidden(request, console)
    window = window if window in WINDOWS else "today"
    now = utcnow()
    view = live_view(
        console.session,
        console.caller,
        focal_team=console.settings.restricted_focal_team,
        since=window_start(window, now),
        now=now,
        online=presence.online_user_ids(console.session),
        min_count=console.settings.report_min_count,
    )
    return page(
        request,
        template,
        language=console.language,
        console=console,
        view=view,
        window=window,
        windows=WINDOWS,
        age=lambda moment: age(moment, now),
        min_count=console.settings.report_min_count,
        updated=now,
    )


@router.get("/live", response_class=HTMLResponse)
def live(request: Request, console: ConsoleDep, window: str = "today") -> Response:
    return _show(request, console, window, "live.html")


@router.get("/live/figures", response_class=HTMLResponse)
def live_figures(request: Request, console: ConsoleDep, window: str = "today") -> Response:
    """The figures alone, polled by htmx every 30 seconds."""
    return _show(request, console, window, "live_figures.html")
