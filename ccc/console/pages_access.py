"""Break-glass in the console: a supervisor or admin asks, with a reason, to open a restricted
ticket outside its focal team (the same service as `POST /api/tickets/{reference}/access`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ccc.access.break_glass import request_access
from ccc.access.policy import may_break_glass
from ccc.console.deps import ChangeDep, ConsoleDep
from ccc.console.feedback import explain
from ccc.console.web import Console, done, page
from ccc.jobs.outbox import forget_scheduled
from ccc.kernel.errors import CCCError, Forbidden
from ccc.tickets.references import compact

router = APIRouter(prefix="/console", include_in_schema=False)


def _form(
    request: Request, console: Console, *, failure: str | None = None, status_code: int = 200
) -> HTMLResponse:
    return page(
        request,
        "access.html",
        language=console.language,
        console=console,
        minutes=console.settings.break_glass_minutes,
        failure=failure,
        status_code=status_code,
    )


@router.get("/access", response_class=HTMLResponse)
def access_form(request: Request, console: ConsoleDep) -> HTMLResponse:
    if not may_break_glass(console.caller):
        exc = Forbidden("break-glass access is for supervisors and admins")
        return _form(request, console, failure=explain(exc, console.language), status_code=403)
    return _form(request, console)


@router.post("/access")
def break_glass(
    request: Request,
    console: ChangeDep,
    reference: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    settings = console.settings
    try:
        ticket, _grant = request_access(
            console.session,
            caller=console.caller,
            reference=compact(reference),
            reason=reason,
            minutes=settings.break_glass_minutes,
            focal_team=settings.restricted_focal_team,
            notify=bool(settings.escalation_webhook_url),
        )
    except CCCError as exc:
        console.session.rollback()
        forget_scheduled(console.session)
        failure = explain(exc, console.language)
        return _form(request, console, failure=failure, status_code=exc.status_code)
    return done(console, f"/console/tickets/{ticket.reference}", "break_glass")
