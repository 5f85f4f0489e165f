"""One ticket: the page, its timeline for htmx, and every change through the ticket services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ccc.access.policy import get_visible_ticket
from ccc.console import presence
from ccc.console.deps import ChangeDep, ConsoleDep
from ccc.console.feedback import explain
from ccc.console.ticket_view import still_visible, ticket_context
from ccc.console.web import Console, done, page
from ccc.jobs.outbox import forget_scheduled
from ccc.kernel.errors import CCCError, NotFound
from ccc.referrals import service as referrals
from ccc.tickets import service
from ccc.tickets.models import Ticket

router = APIRouter(prefix="/console", include_in_schema=False)
Text = Annotated[str, Form(max_length=4000)]


class TicketNotShown(Exception):
    """A ticket that does not exist, or that this user may not see: the same 404 page,
    rendered while the request's session is still open and answered by `ticket_not_shown`."""

    def __init__(self, response: HTMLResponse) -> None:
        super().__init__("ticket not found")
        self.response = response


def not_found(request: Request, console: Console) -> HTMLResponse:
    """The same page for a ticket that does not exist and one the user may not see."""
    return page(
        request, "not_found.html", language=console.language, console=console, status_code=404
    )


async def ticket_not_shown(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TicketNotShown)
    return exc.response


def visible(request: Request, console: Console, reference: str) -> Ticket:
    try:
        return get_visible_ticket(
            console.session,
            caller=console.caller,
            reference=reference,
            focal_team=console.settings.restricted_focal_team,
        )
    except NotFound:
        raise TicketNotShown(not_found(request, console)) from None


def shown_ticket(reference: str, request: Request, console: ConsoleDep) -> Ticket:
    """The ticket this user may see, marked as open by them (\"someone else is replying\")."""
    ticket = visible(request, console, reference)
    assert ticket.id is not None and console.user.id is not None
    presence.here(console.session, ticket_id=ticket.id, user_id=console.user.id)
    return ticket


ShownTicket = Annotated[Ticket, Depends(shown_ticket)]


def show(request: Request, console: Console, ticket: Ticket, template: str) -> HTMLResponse:
    return page(
        request,
        template,
        language=console.language,
        console=console,
        **ticket_context(console, ticket),
    )


@router.get("/tickets/{reference}", response_class=HTMLResponse)
def ticket_page(request: Request, console: ConsoleDep, ticket: ShownTicket) -> HTMLResponse:
    return show(request, console, ticket, "ticket.html")


@router.get("/tickets/{reference}/timeline", response_class=HTMLResponse)
def timeline_part(request: Request, console: ConsoleDep, ticket: ShownTicket) -> HTMLResponse:
    """The timeline alone, polled by htmx so delivery statuses update in place."""
    return show(request, console, ticket, "timeline.html")


def act(
    request: Request,
    console: Console,
    reference: str,
    action: Callable[[Ticket], object],
    flash: str,
) -> Response:
    """Runs one change; a refusal undoes everything and shows the page with the reason."""
    ticket = visible(request, console, reference)
    try:
        action(ticket)
    except CCCError as exc:
        console.session.rollback()
        forget_scheduled(console.session)
        ticket = visible(request, console, reference)
        return page(
            request,
            "ticket.html",
            language=console.language,
            console=console,
            status_code=exc.status_code,
            failure=explain(exc, console.language),
            **ticket_context(console, ticket),
        )
    if not still_visible(console, ticket):
        return done(console, "/console", flash)
    return done(console, f"/console/tickets/{ticket.reference}", flash)


@router.post("/tickets/{reference}/reply")
def reply(reference: str, request: Request, console: ChangeDep, text: Text) -> Response:
    return act(
        request,
        console,
        reference,
        lambda t: service.reply(console.session, ticket=t, text=text, caller=console.caller),
        "reply",
    )


@router.post("/tickets/{reference}/note")
def note(reference: str, request: Request, console: ChangeDep, text: Text) -> Response:
    return act(
        request,
        console,
        reference,
        lambda t: service.add_note(console.session, ticket=t, text=text, caller=console.caller),
        "note",
    )


Choice = Annotated[str, Form(max_length=64)]


@router.post("/tickets/{reference}/change")
def change(
    reference: str,
    request: Request,
    console: ChangeDep,
    status: Choice = "",
    priority: Choice = "",
    team: Choice = "",
    sensitivity: Choice = "",
    assign: Choice = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    closing_message: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Fields left as they were change nothing; `assign` is `me` (claim) or `none`; a closing
    message, when resolving, goes to the person in place of the standard notice."""
    changes = service.Changes(
        status=status or None,
        priority=priority or None,
        team=team or None,
        sensitivity=sensitivity or None,
        assignee=console.user.name if assign == "me" else None,
        unassign=assign == "none",
        reason=reason.strip() or None,
        message=closing_message.strip() or None,
    )
    focal = console.settings.restricted_focal_team
    return act(
        request,
        console,
        reference,
        lambda t: service.apply_changes(
            console.session, ticket=t, changes=changes, caller=console.caller, focal_team=focal
        ),
        "changed",
    )


@router.post("/tickets/{reference}/refer")
def refer(
    reference: str,
    request: Request,
    console: ChangeDep,
    team: Choice,
    note: Annotated[str, Form(max_length=2000)] = "",
    override_reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return act(
        request,
        console,
        reference,
        lambda t: referrals.refer(
            console.session,
            ticket=t,
            team_slug=team,
            note=note,
            override_reason=override_reason,
            caller=console.caller,
        ),
        "referred",
    )
