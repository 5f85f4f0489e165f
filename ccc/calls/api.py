"""`/api/calls` (call records) and `/api/callbacks` (the list agents work), for staff only.

A call's or a callback's ticket is named only when the caller may see that ticket: a
restricted case stays invisible here exactly as in the queue.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from sqlmodel import Session, col, select

from ccc.access.models import User
from ccc.access.policy import Caller, visible_tickets
from ccc.api.deps import CallerDep, PageDep, SessionDep, SettingsDep
from ccc.api.params import WindowEnd, WindowStart
from ccc.calls.callbacks import attempt, require_staff, visible_callbacks
from ccc.calls.models import Call, Callback, CallbackStatus, Line
from ccc.calls.schemas import AttemptIn, CallbackOut, CallbackPage, CallOut, CallPage
from ccc.kernel.paging import MAX_ID, page
from ccc.reports.service import parse_bound
from ccc.tickets.models import Ticket

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
    query = select(Call).where(Call.line == Line.caller)
    start, end = parse_bound(from_, end=False), parse_bound(to, end=True)
    if start:
        query = query.where(col(Call.started_at) >= start)
    if end:
        query = query.where(col(Call.started_at) < end)
    rows, following = page(session, query, Call.id, cursor=paging.cursor, limit=paging.limit)
    tickets = _references(
        session, caller, settings.restricted_focal_team, {r.ticket_id for r in rows if r.ticket_id}
    )
    agent_ids = {r.answered_by_id for r in rows if r.answered_by_id}
    agents = {
        u.id: u.name for u in session.exec(select(User).where(col(User.id).in_(agent_ids))).all()
    }
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
