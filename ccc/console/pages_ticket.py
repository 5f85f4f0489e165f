"""One ticket: the page, its timeline for htmx, and every change through the ticket services."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from ccc.access.models import Team
from ccc.access.policy import get_visible_ticket
from ccc.console import presence
from ccc.console.deps import ChangeDep, ConsoleDep
from ccc.console.feedback import explain, explain_changes
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
        if isinstance(exc, ChangesRefused):
            failure = explain_changes(exc.cause, exc.refused, exc.together, console.language)
        else:
            failure = explain(exc, console.language)
        ticket = visible(request, console, reference)
        return page(
            request,
            "ticket.html",
            language=console.language,
            console=console,
            status_code=exc.status_code,
            failure=failure,
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


class ChangesRefused(CCCError):
    """The change form's fields, refused as a whole: nothing of them was applied. `refused`
    names the fields (and values) refused on their own or, when each alone would pass,
    every field asked, refused `together`."""

    def __init__(self, cause: CCCError, refused: list[tuple[str, str]], together: bool) -> None:
        super().__init__(cause.detail)
        self.status_code = cause.status_code
        self.cause, self.refused, self.together = cause, refused, together


def asked(console: Console, ticket: Ticket, form: dict[str, str]) -> dict[str, str]:
    """The form's fields whose value differs from the ticket's. The browser posts every select
    of the form; a field left as it was asks for nothing, so restricting a ticket hands it to
    the focal team exactly as through the API, instead of pinning it to its old team."""
    team = console.session.get(Team, ticket.team_id) if ticket.team_id is not None else None
    current = {
        "status": ticket.status,
        "priority": ticket.priority,
        "sensitivity": ticket.sensitivity,
        "team": team.slug if team is not None else "",
    }
    return {field: value for field, value in form.items() if value and value != current[field]}


def change_all_or_nothing(
    console: Console, ticket: Ticket, fields: dict[str, str], changes: service.Changes
) -> None:
    """`apply_changes` checks every field before applying any, so a refusal applies nothing;
    a refusal of several fields names those refused on their own, or else all of them, refused
    as a combination (an agent's team and sensitivity each pass, a restricted ticket in a
    programme team does not)."""
    focal = console.settings.restricted_focal_team
    try:
        service.apply_changes(
            console.session, ticket=ticket, changes=changes, caller=console.caller, focal_team=focal
        )
    except CCCError as exc:
        if len(fields) < 2:
            raise
        alone = [
            (field, value)
            for field, value in fields.items()
            if not service.permitted(
                console.session,
                ticket=ticket,
                changes=_only(changes, field, value),
                caller=console.caller,
                focal_team=focal,
            )
        ]
        raise ChangesRefused(exc, alone or list(fields.items()), together=not alone) from exc


def _only(changes: service.Changes, field: str, value: str) -> service.Changes:
    """The Changes of one form field alone; the reason and the closing message go with the
    status."""
    alone = replace(changes, status=None, priority=None, team=None, sensitivity=None, assignee=None)
    alone.unassign = False
    if field != "status":
        alone.message = None
    if field == "assign":
        alone.unassign = value == "—"
        alone.assignee = None if value == "—" else value
    else:
        setattr(alone, field, value)
    return alone


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
    message, when resolving, goes to the person in place of the standard notice. All the
    fields are applied, or none (`change_all_or_nothing`)."""
    form = {"status": status, "priority": priority, "team": team, "sensitivity": sensitivity}
    assignee = console.user.name if assign == "me" else None

    def action(ticket: Ticket) -> None:
        fields = asked(console, ticket, form)
        changes = service.Changes(
            status=fields.get("status"),
            priority=fields.get("priority"),
            team=fields.get("team"),
            sensitivity=fields.get("sensitivity"),
            assignee=assignee,
            unassign=assign == "none",
            reason=reason.strip() or None,
            message=closing_message.strip() or None,
        )
        if assign in ("me", "none"):
            fields["assign"] = assignee or "—"
        change_all_or_nothing(console, ticket, fields, changes)

    return act(request, console, reference, action, "changed")


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
