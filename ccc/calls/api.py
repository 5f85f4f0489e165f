"""`/api/calls` (call records) and `/api/callbacks` (the list agents work), for staff only.

A call's or a callback's ticket is named only when the caller may see that ticket, and the
calls and callbacks of a restricted case are absent for anyone outside the focal team (not
listed with a blank ticket: the keys pressed, the time and the length tell the case).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel
from sqlmodel import Session, col

from ccc.access.policy import Caller, visible_tickets
from ccc.access.service import user_names
from ccc.api.deps import CallerDep, PageDep, RuntimeDep, SessionDep, SettingsDep
from ccc.api.params import WindowEnd, WindowStart
from ccc.api.responses import API_ERRORS
from ccc.calls.callbacks import attempt, require_staff, visible_callbacks
from ccc.calls.models import Call, Callback, CallbackStatus
from ccc.calls.recordings import (
    authorise_play,
    disclosed_recording,
    kept_audio,
    transcript_text,
)
from ccc.calls.schemas import AttemptIn, CallbackOut, CallbackPage, CallOut, CallPage
from ccc.calls.service import call_log
from ccc.kernel.paging import MAX_ID, page
from ccc.reports.service import parse_bound
from ccc.tickets.models import Ticket
from ccc.tickets.service import record

router = APIRouter(tags=["calls"])


def _references(session: Session, caller: Caller, focal: str, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = visible_tickets(caller, focal_team=focal).where(col(Ticket.id).in_(ids))
    return {t.id: t.reference for t in session.exec(query).all() if t.id is not None}


@router.get("/api/calls", response_model=CallPage)
def list_calls(
    session: SessionDep,
    caller: CallerDep,
    paging: PageDep,
    settings: SettingsDep,
    from_: WindowStart = None,
    to: WindowEnd = None,
) -> dict[str, Any]:
    require_staff(caller)
    query = call_log(
        with_restricted=settings.restricted_focal_team in caller.team_slugs,
        start=parse_bound(from_, end=False),
        end=parse_bound(to, end=True),
    )
    rows, following = page(session, query, Call.id, cursor=paging.cursor, limit=paging.limit)
    tickets = _references(
        session, caller, settings.restricted_focal_team, {r.ticket_id for r in rows if r.ticket_id}
    )
    agent_ids = {r.answered_by_id for r in rows if r.answered_by_id}
    agents = user_names(session, agent_ids)
    items = [
        CallOut(
            call_sid=r.call_sid,
            language=r.language,
            path=r.path,
            duration=r.duration,
            outcome=r.outcome,
            menu=r.menu if r.outcome == "abandoned" else None,
            answered_by=agents.get(r.answered_by_id) if r.answered_by_id else None,
            wait_seconds=r.wait_seconds,
            started_at=r.started_at,
            ticket=tickets.get(r.ticket_id) if r.ticket_id else None,
        )
        for r in rows
    ]
    return {"items": items, "next": following}


@router.get("/api/callbacks", response_model=CallbackPage)
def list_callbacks(
    session: SessionDep,
    caller: CallerDep,
    paging: PageDep,
    settings: SettingsDep,
    status: CallbackStatus | None = None,
) -> dict[str, Any]:
    """Newest first, like every list; within a page, open callbacks soonest due first."""
    require_staff(caller)
    query = visible_callbacks(caller, focal_team=settings.restricted_focal_team)
    if status is not None:
        query = query.where(Callback.status == status.value)
    rows, following = page(session, query, Callback.id, cursor=paging.cursor, limit=paging.limit)
    if status == CallbackStatus.open:
        rows.sort(key=lambda row: row.due_at)
    tickets = _references(
        session, caller, settings.restricted_focal_team, {r.ticket_id for r in rows}
    )
    return {"items": [_callback_out(r, tickets) for r in rows], "next": following}


def _callback_out(row: Callback, tickets: dict[int, str]) -> CallbackOut:
    assert row.id is not None
    return CallbackOut(
        id=row.id,
        ticket=tickets.get(row.ticket_id),
        language=row.language,
        safe_to_call=row.safe_to_call,
        may_leave_message=row.may_leave_message,
        automatic=row.automatic,
        attempts=row.attempts,
        status=row.status,
        result=row.result,
        due_at=row.due_at,
        created_at=row.created_at,
    )


@router.post("/api/callbacks/{callback_id}/attempts", response_model=CallbackOut)
def add_attempt(
    callback_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    body: AttemptIn,
    session: SessionDep,
    caller: CallerDep,
    settings: SettingsDep,
) -> CallbackOut:
    callback = attempt(
        session,
        caller=caller,
        callback_id=callback_id,
        outcome=body.outcome,
        focal_team=settings.restricted_focal_team,
        note=body.note,
    )
    tickets = _references(session, caller, settings.restricted_focal_team, {callback.ticket_id})
    return _callback_out(callback, tickets)


@router.get(
    "/api/recordings/{recording_sid}",
    summary="Stream a voice message",
    response_model=None,
    response_class=StreamingResponse,
    responses={**API_ERRORS, 200: {"content": {"audio/wav": {}}, "description": "WAV audio"}},
)
def stream_recording(
    recording_sid: str,
    session: SessionDep,
    caller: CallerDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> Response:
    found = authorise_play(
        session,
        caller=caller,
        recording_sid=recording_sid,
        focal_team=settings.restricted_focal_team,
    )
    kept = kept_audio(settings, found)  # decrypted in memory, never written out in clear
    if kept is not None:
        return Response(kept, media_type="audio/wav")
    audio = runtime.channels.recording("voice", settings, recording_sid)
    return StreamingResponse(audio, media_type="audio/wav")


class TranscriptOut(BaseModel):
    recording: str
    # null until Twilio posts it; "completed" or "failed" after.
    status: str | None
    text: str | None
    transcribed_at: datetime | None


@router.get(
    "/api/recordings/{recording_sid}/transcript",
    summary="The transcript of a voice message",
    response_model=TranscriptOut,
    responses=API_ERRORS,
)
def recording_transcript(
    recording_sid: str, session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> TranscriptOut:
    """The same rule as the voice itself: the ticket's access rules, and each read is on the
    ticket's timeline (`transcript.read`)."""
    found, ticket = disclosed_recording(
        session,
        caller=caller,
        recording_sid=recording_sid,
        focal_team=settings.restricted_focal_team,
    )
    record(session, ticket=ticket, kind="transcript.read", caller=caller, recording=recording_sid)
    return TranscriptOut(
        recording=recording_sid,
        status=found.transcript_status,
        text=transcript_text(settings, found),
        transcribed_at=found.transcribed_at,
    )
