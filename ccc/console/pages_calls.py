"""The voice line in the console: the callback list agents work, and voice messages played
through CCC's access-checked stream (never Twilio's URL).

Attempts go through `ccc.calls.callbacks.attempt`, the service `POST /api/callbacks/{id}/
attempts` calls; the audio through `ccc.calls.recordings.authorise_play`, as `/api/recordings`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse
from sqlmodel import col

from ccc.calls.callbacks import attempt, require_staff, visible_callbacks
from ccc.calls.models import AttemptOutcome, Callback, CallbackStatus
from ccc.calls.recordings import authorise_play, kept_audio
from ccc.console.deps import ChangeDep, ConsoleDep
from ccc.console.feedback import explain
from ccc.console.format import age
from ccc.console.web import Console, done, page
from ccc.jobs.outbox import forget_scheduled
from ccc.kernel.errors import CCCError, NotFound
from ccc.kernel.paging import MAX_ID
from ccc.kernel.timeutil import utcnow
from ccc.tickets.service import references_by_id

router = APIRouter(prefix="/console", include_in_schema=False)
LIST_SIZE = 200
OUTCOMES = [o.value for o in AttemptOutcome]


@dataclass
class Row:
    callback: Callback
    reference: str
    age: tuple[int, str]
    overdue: bool


def _rows(console: Console, status: str) -> list[Row]:
    query = visible_callbacks(console.caller, focal_team=console.settings.restricted_focal_team)
    query = query.where(Callback.status == status)
    if status == CallbackStatus.open:
        query = query.order_by(col(Callback.due_at))
    else:
        query = query.order_by(col(Callback.id).desc())
    callbacks = list(console.session.exec(query.limit(LIST_SIZE)).all())
    ids = {c.ticket_id for c in callbacks}
    references = references_by_id(console.session, ids)
    now = utcnow()
    return [
        Row(
            callback=c,
            reference=references[c.ticket_id],
            age=age(c.created_at),
            overdue=c.status == CallbackStatus.open and c.due_at <= now,
        )
        for c in callbacks
        if c.ticket_id in references
    ]


def _list(
    request: Request,
    console: Console,
    status: str,
    *,
    failure: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows: list[Row] = []
    try:
        require_staff(console.caller)
        rows = _rows(console, status)
    except CCCError as exc:
        failure, status_code = explain(exc, console.language), exc.status_code
    return page(
        request,
        "callbacks.html",
        language=console.language,
        console=console,
        rows=rows,
        show=status,
        outcomes=OUTCOMES,
        failure=failure,
        status_code=status_code,
    )


@router.get("/callbacks", response_class=HTMLResponse)
def callbacks(request: Request, console: ConsoleDep, show: str = "open") -> HTMLResponse:
    """Open callbacks soonest due first; `show=done` lists the closed ones, newest first."""
    status = show if show in {s.value for s in CallbackStatus} else CallbackStatus.open
    return _list(request, console, status)


@router.post("/callbacks/{callback_id}/attempts")
def record_attempt(
    callback_id: int,
    request: Request,
    console: ChangeDep,
    outcome: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if not 0 < callback_id <= MAX_ID:
        return _missing(request, console)
    try:
        attempt(
            console.session,
            caller=console.caller,
            callback_id=callback_id,
            outcome=outcome,
            focal_team=console.settings.restricted_focal_team,
            note=note,
        )
    except NotFound:
        return _missing(request, console)
    except CCCError as exc:
        console.session.rollback()
        forget_scheduled(console.session)
        return _list(
            request,
            console,
            CallbackStatus.open,
            failure=explain(exc, console.language),
            status_code=exc.status_code,
        )
    return done(console, "/console/callbacks", "attempt")


def _missing(request: Request, console: Console) -> HTMLResponse:
    return page(
        request, "not_found.html", language=console.language, console=console, status_code=404
    )


@router.get("/recordings/{recording_sid}", response_model=None)
def recording(
    recording_sid: str, request: Request, console: ConsoleDep
) -> FileResponse | StreamingResponse | Response:
    """The `<audio>` source of the ticket page: each play is a `recording.played` event, and
    a sensitive ticket's play is recorded as a view of its detail."""
    try:
        found = authorise_play(
            console.session,
            caller=console.caller,
            recording_sid=recording_sid[:64],
            focal_team=console.settings.restricted_focal_team,
        )
    except NotFound:
        return _missing(request, console)
    except CCCError as exc:
        return Response(
            explain(exc, console.language), status_code=exc.status_code, media_type="text/plain"
        )
    try:
        kept = kept_audio(console.settings, found)
    except CCCError as exc:
        return Response(
            explain(exc, console.language), status_code=exc.status_code, media_type="text/plain"
        )
    if kept is not None:
        return Response(kept, media_type="audio/wav")
    runtime = request.app.state.runtime
    try:
        audio = runtime.channels.recording("voice", console.settings, found.recording_sid)
    except CCCError as exc:
        return Response(
            explain(exc, console.language), status_code=exc.status_code, media_type="text/plain"
        )
    return StreamingResponse(audio, media_type="audio/wav")
