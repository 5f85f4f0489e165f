"""The agent and team API over tickets. Every read goes through `ccc.access`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlmodel import Session

from ccc.access.audit import Detail, disclose, require_disclosure
from ccc.access.policy import may_see_details
from ccc.access.service import team_slugs, user_names
from ccc.api.deps import CallerDep, PageDep, SessionDep, SettingsDep, VisibleTicket
from ccc.api.params import enum_list
from ccc.channels.models import Channel
from ccc.messages.schemas import MessageOut
from ccc.tickets import bulk
from ccc.tickets import service as service
from ccc.tickets.models import Category, Priority, Ticket, TicketStatus
from ccc.tickets.queue import QueueFilter, list_tickets
from ccc.tickets.schemas import (
    BulkIn,
    BulkOut,
    BulkResult,
    EventOut,
    TextIn,
    TicketPage,
    TicketPatch,
    TicketPublic,
    TimelineItem,
)

router = APIRouter(prefix="/api/tickets", tags=["tickets"])


def ticket_out(
    ticket: Ticket, teams: dict[int, str], users: dict[int, str], *, details: bool = True
) -> TicketPublic:
    return TicketPublic.model_validate(
        ticket,
        update={
            "team": teams.get(ticket.team_id) if ticket.team_id else None,
            "assignee": users.get(ticket.assignee_id) if ticket.assignee_id else None,
            "answers": ticket.answers if details else {},
            "details_hidden": not details,
        },
    )


def _names(session: Session, rows: list[Ticket]) -> tuple[dict[int, str], dict[int, str]]:
    users = user_names(session, (t.assignee_id for t in rows if t.assignee_id is not None))
    return team_slugs(session), users


def _one(session: Session, ticket: Ticket, *, details: bool) -> TicketPublic:
    teams, users = _names(session, [ticket])
    return ticket_out(ticket, teams, users, details=details)


@router.get("", response_model=TicketPage)
def queue(
    session: SessionDep,
    caller: CallerDep,
    paging: PageDep,
    settings: SettingsDep,
    status: Annotated[str | None, enum_list(TicketStatus, "statuses")] = None,
    team: Annotated[
        str | None, Query(max_length=200, description="team slugs, comma-separated")
    ] = None,
    category: Annotated[str | None, enum_list(Category, "categories")] = None,
    channel: Annotated[str | None, enum_list(Channel, "channels")] = None,
    assignee: Annotated[
        str | None, Query(max_length=120, description="a user's name, or `none`")
    ] = None,
    priority: Annotated[str | None, enum_list(Priority, "priorities")] = None,
    sla: Literal["breached"] | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    waiting: Annotated[
        Literal["centre", "person"] | None,
        Query(
            description="`centre`: the people waiting for the centre's answer, oldest first; "
            "`person`: the tickets waiting on the person"
        ),
    ] = None,
) -> TicketPage:
    filters = QueueFilter(status, team, category, channel, assignee, priority, sla, q, waiting)
    rows, next_cursor = list_tickets(
        session,
        caller=caller,
        filters=filters,
        focal_team=settings.restricted_focal_team,
        cursor=paging.cursor,
        limit=paging.limit,
    )
    teams, users = _names(session, rows)
    items = [
        ticket_out(
            t, teams, users, details=disclose(session, caller=caller, ticket=t, what=Detail.ticket)
        )
        for t in rows
    ]
    return TicketPage(items=items, next=next_cursor)


@router.get("/{reference}", response_model=TicketPublic)
def get_ticket(ticket: VisibleTicket, session: SessionDep, caller: CallerDep) -> TicketPublic:
    return _one(
        session, ticket, details=disclose(session, caller=caller, ticket=ticket, what=Detail.ticket)
    )


def _changes(body: TicketPatch) -> service.Changes:
    fields = body.model_fields_set
    return service.Changes(
        status=body.status,
        priority=body.priority,
        team=body.team,
        assignee=body.assignee,
        unassign="assignee" in fields and body.assignee is None,
        category=body.category,
        sensitivity=body.sensitivity,
        notify=body.notify,
        reason=body.reason,
        override_reason=body.override_reason,
        message=body.message,
    )


@router.post("/bulk", response_model=BulkOut)
def bulk_change(
    body: BulkIn, session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> BulkOut:
    """The same changes on each ticket, each checked and recorded alone (one result each)."""
    changes = _changes(body.changes)
    outcomes = bulk.apply_to_each(
        session,
        references=body.references,
        changes=changes,
        caller=caller,
        focal_team=settings.restricted_focal_team,
    )
    results = []
    for outcome in outcomes:
        ticket = None
        if outcome.ticket is not None:
            details = outcome.could_read and disclose(
                session, caller=caller, ticket=outcome.ticket, what=Detail.ticket
            )
            ticket = _one(session, outcome.ticket, details=details)
        results.append(
            BulkResult(
                reference=outcome.reference,
                status=outcome.status,
                detail=outcome.detail,
                ticket=ticket,
            )
        )
    return BulkOut(results=results)


@router.patch("/{reference}", response_model=TicketPublic)
def patch_ticket(
    ticket: VisibleTicket,
    body: TicketPatch,
    session: SessionDep,
    caller: CallerDep,
    settings: SettingsDep,
) -> TicketPublic:
    # The answer to a change never shows more than the caller could read before it.
    could_read = may_see_details(session, caller=caller, ticket=ticket)
    service.apply_changes(
        session,
        ticket=ticket,
        changes=_changes(body),
        caller=caller,
        focal_team=settings.restricted_focal_team,
    )
    details = could_read and disclose(session, caller=caller, ticket=ticket, what=Detail.ticket)
    return _one(session, ticket, details=details)


@router.get("/{reference}/timeline", response_model=list[TimelineItem])
def get_timeline(
    ticket: VisibleTicket, session: SessionDep, caller: CallerDep
) -> list[dict[str, Any]]:
    require_disclosure(session, caller=caller, ticket=ticket, what=Detail.timeline)
    return service.timeline(session, ticket=ticket, reader=caller)


@router.post("/{reference}/replies", status_code=202, response_model=MessageOut)
def post_reply(
    ticket: VisibleTicket, body: TextIn, session: SessionDep, caller: CallerDep
) -> MessageOut:
    message = service.reply(session, ticket=ticket, text=body.text, caller=caller)
    return MessageOut.model_validate(message, from_attributes=True)


@router.post("/{reference}/notes", status_code=201, response_model=EventOut)
def post_note(
    ticket: VisibleTicket, body: TextIn, session: SessionDep, caller: CallerDep
) -> EventOut:
    event = service.add_note(session, ticket=ticket, text=body.text, caller=caller)
    session.flush()
    return EventOut.model_validate(event, from_attributes=True)
