"""The queue: the same filters as `GET /api/tickets`, saved views, and rows refreshed by htmx."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, or_

from ccc.access import service as access
from ccc.access.policy import STAFF, may_act_as_owner, visible_tickets
from ccc.api.deps import SessionDep, SettingsDep
from ccc.channels.models import Channel
from ccc.console.deps import SET_UP_TOTP, ConsoleDep, get_console
from ccc.console.feedback import explain
from ccc.console.format import age, clock, sla_state
from ccc.console.pages_auth import login_page
from ccc.console.web import Console, page
from ccc.kernel.errors import CCCError
from ccc.kernel.timeutil import utcnow
from ccc.messages.service import last_words
from ccc.tickets.lifecycle import ACTIVE
from ccc.tickets.models import Category, Priority, Sensitivity, Ticket, TicketStatus, WaitingOn
from ccc.tickets.queue import QueueFilter, list_tickets

router = APIRouter(prefix="/console", include_in_schema=False)
FIELDS = ("status", "team", "category", "channel", "assignee", "priority", "sla", "q", "waiting")
VIEWS = ("all", "mine", "unassigned", "breaching")
PAGE_SIZE = 50
SOON = timedelta(hours=2)


@dataclass
class Row:
    ticket: Ticket
    team: str | None
    assignee: str | None
    due: Any
    sla: str
    age: tuple[int, str]
    last_message: str | None
    # How long the person has waited for the centre's answer; None when they are not waiting.
    waited: tuple[int, str] | None = None
    # Whether this user may change the ticket, so that the bulk bar's POST may take it.
    selectable: bool = False


def _params(request: Request) -> dict[str, str]:
    values = {name: request.query_params.get(name, "").strip() for name in (*FIELDS, "cursor")}
    view = request.query_params.get("view", "all")
    values["view"] = view if view in VIEWS else "all"
    if "status" not in request.query_params:
        values["status"] = ",".join(sorted(ACTIVE))  # the working queue: nothing finished
    return values


def _tickets(console: Console, params: dict[str, str]) -> tuple[list[Ticket], str | None]:
    focal = console.settings.restricted_focal_team
    if params["view"] == "breaching":
        now = utcnow()
        soon = now + SOON
        query = visible_tickets(console.caller, focal_team=focal).where(
            col(Ticket.status).in_(sorted(ACTIVE)),
            or_(
                col(Ticket.resolution_due) <= soon,
                (col(Ticket.first_response_due) <= soon) & col(Ticket.first_response_at).is_(None),
            ),
        )
        rows = console.session.exec(query.order_by(col(Ticket.resolution_due)).limit(PAGE_SIZE))
        return list(rows.all()), None
    values = {name: params[name] or None for name in FIELDS}
    if params["view"] == "mine":
        values["assignee"] = console.user.name
    elif params["view"] == "unassigned":
        values["assignee"] = "none"
    filters = QueueFilter(**values)
    cursor = params["cursor"] or None
    if filters.waiting:
        return list_tickets(
            console.session,
            caller=console.caller,
            filters=filters,
            focal_team=focal,
            cursor=cursor,
            limit=PAGE_SIZE,
        )
    return _waiting_first(console, filters, cursor)


def _waiting_first(
    console: Console, filters: QueueFilter, cursor: str | None
) -> tuple[list[Ticket], str | None]:
    """The people waiting for an answer first, the longest wait first, then the rest newest
    first. The waiting rows head the first page; later pages leave them out."""
    focal = console.settings.restricted_focal_team
    rows, next_cursor = list_tickets(
        console.session,
        caller=console.caller,
        filters=filters,
        focal_team=focal,
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    rest = [t for t in rows if t.waiting_on != WaitingOn.centre]
    if cursor:
        return rest, next_cursor
    waiting, _more = list_tickets(
        console.session,
        caller=console.caller,
        filters=replace(filters, waiting=WaitingOn.centre.value),
        focal_team=focal,
        cursor=None,
        limit=PAGE_SIZE,
    )
    return waiting + rest, next_cursor


def build_rows(console: Console, tickets: list[Ticket]) -> list[Row]:
    session = console.session
    teams = access.team_slugs(session)
    users = access.user_names(session, (t.assignee_id for t in tickets if t.assignee_id))
    texts = last_words(session, [t.id for t in tickets if t.id is not None])
    focal = console.settings.restricted_focal_team
    rows = []
    for ticket in tickets:
        due = clock(
            status=ticket.status,
            first_response_due=ticket.first_response_due,
            first_response_at=ticket.first_response_at,
            resolution_due=ticket.resolution_due,
        )
        # The last message is detail: a sensitive ticket's row shows none, so that a queue
        # polled every few seconds neither leaks it nor floods the audit log with views.
        text = texts.get(ticket.id or 0) if ticket.sensitivity == Sensitivity.normal else None
        rows.append(
            Row(
                ticket=ticket,
                team=teams.get(ticket.team_id) if ticket.team_id else None,
                assignee=users.get(ticket.assignee_id) if ticket.assignee_id else None,
                due=due,
                sla=sla_state(due),
                age=age(ticket.created_at),
                last_message=(text[:90] + "…") if text and len(text) > 90 else text,
                waited=_waited(ticket),
                selectable=may_act_as_owner(
                    session, caller=console.caller, ticket=ticket, focal_team=focal
                ),
            )
        )
    return rows


def _waited(ticket: Ticket) -> tuple[int, str] | None:
    if ticket.waiting_on != WaitingOn.centre or ticket.last_inbound_at is None:
        return None
    return age(ticket.last_inbound_at)


def _context(console: Console, params: dict[str, str]) -> dict[str, Any]:
    error = None
    try:
        tickets, next_cursor = _tickets(console, params)
    except CCCError as exc:
        tickets, next_cursor, error = [], None, explain(exc, console.language)
    rows = build_rows(console, tickets)
    return {
        "rows": rows,
        "bulk_usable": any(row.selectable for row in rows),
        "next_cursor": next_cursor,
        "next_query": urlencode({**params, "cursor": next_cursor or ""}),
        "rows_query": urlencode({k: v for k, v in params.items() if k != "cursor"}),
        "params": params,
        "failure": error,
        "choices": {
            "status": [s.value for s in TicketStatus],
            "active": ",".join(sorted(ACTIVE)),
            "category": [c.value for c in Category],
            "channel": [c.value for c in Channel],
            "priority": [p.value for p in Priority],
            "team": [t.slug for t in access.teams(console.session)],
        },
        "views": VIEWS,
        "assignable": _assignable(console),
    }


def _assignable(console: Console) -> list[str]:
    """Who a selection can be assigned to: the centre's staff, by staff only (a team member
    assigns only within the ticket's team, so only to themselves from the bulk bar)."""
    if console.caller.role not in STAFF:
        return []
    return access.staff_names(console.session)


def _render(request: Request, console: Console, template: str, **extra: Any) -> HTMLResponse:
    return page(
        request,
        template,
        language=console.language,
        console=console,
        **_context(console, _params(request)),
        **extra,
    )


def render_queue(request: Request, console: Console, **extra: Any) -> HTMLResponse:
    """The whole queue page, with what an action on it has to say (`bulk_refused`)."""
    return _render(request, console, "queue.html", **extra)


@router.get("", response_class=HTMLResponse)
def queue(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The queue with a session, the login page without one."""
    try:
        console = get_console(request, session, settings)
    except HTTPException as exc:
        if (exc.headers or {}).get("Location") == SET_UP_TOTP:
            raise
        return login_page(request, secure=settings.public_url.startswith("https://"))
    return _render(request, console, "queue.html")


@router.get("/queue/rows", response_class=HTMLResponse)
def queue_rows(request: Request, console: ConsoleDep) -> Response:
    """The rows alone, for htmx polling: new tickets appear without a reload."""
    return _render(request, console, "queue_rows.html")
