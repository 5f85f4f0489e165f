"""The team view: referrals to the user's teams, and their answers (accept, reject, complete)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ccc.access.policy import may_answer_referral, visible_tickets
from ccc.access.service import team_slugs
from ccc.console.deps import ChangeDep, ConsoleDep
from ccc.console.feedback import explain
from ccc.console.ticket_view import still_visible
from ccc.console.web import Console, done, page
from ccc.jobs.outbox import forget_scheduled
from ccc.kernel.errors import CCCError
from ccc.kernel.paging import MAX_ID
from ccc.referrals import service
from ccc.referrals.models import Referral
from ccc.tickets.models import Ticket

router = APIRouter(prefix="/console", include_in_schema=False)


def _referrals(console: Console, show: str) -> list[dict[str, Any]]:
    """As `GET /api/referrals`: on visible tickets, and for team members their teams' only."""
    rows = service.team_list(
        console.session,
        caller=console.caller,
        focal_team=console.settings.restricted_focal_team,
        open_only=show == "open",
    )
    teams = team_slugs(console.session)
    return [
        {
            "referral": referral,
            "ticket": ticket,
            "team": teams.get(referral.team_id),
            "answerable": may_answer_referral(console.caller, referral_team_id=referral.team_id),
        }
        for referral, ticket in rows
    ]


@router.get("/team", response_class=HTMLResponse)
def team_view(request: Request, console: ConsoleDep, show: str = "open") -> HTMLResponse:
    show = show if show in ("open", "all") else "open"
    return page(
        request,
        "team.html",
        language=console.language,
        console=console,
        items=_referrals(console, show),
        show=show,
    )


def _back(console: Console, next_url: str, ticket: Ticket) -> str:
    if next_url == "ticket" and still_visible(console, ticket):
        return f"/console/tickets/{ticket.reference}"
    return "/console/team"


def _answer(
    request: Request,
    console: Console,
    referral_id: int,
    verb: str,
    text: str,
    next_url: str,
    message: str = "",
) -> Response:
    if not 0 < referral_id <= MAX_ID:
        return _missing(request, console)
    referral = console.session.get(Referral, referral_id)
    focal = console.settings.restricted_focal_team
    ticket = None
    if referral is not None:
        ticket = console.session.exec(
            visible_tickets(console.caller, focal_team=focal).where(Ticket.id == referral.ticket_id)
        ).first()
    if referral is None or ticket is None:
        return _missing(request, console)
    try:
        if verb == "accept":
            service.accept(console.session, referral=referral, ticket=ticket, caller=console.caller)
        elif verb == "reject":
            service.reject(
                console.session,
                referral=referral,
                ticket=ticket,
                reason=text,
                caller=console.caller,
            )
        else:
            service.complete(
                console.session,
                referral=referral,
                ticket=ticket,
                outcome=text,
                caller=console.caller,
                message=message.strip() or None,
            )
    except CCCError as exc:
        console.session.rollback()
        forget_scheduled(console.session)
        return page(
            request,
            "team.html",
            language=console.language,
            console=console,
            items=_referrals(console, "open"),
            show="open",
            failure=explain(exc, console.language),
            status_code=exc.status_code,
        )
    return done(console, _back(console, next_url, ticket), ANSWERED[verb])


ANSWERED = {"accept": "accepted", "reject": "rejected", "complete": "completed"}


def _missing(request: Request, console: Console) -> HTMLResponse:
    """A referral of a ticket the user may not see is as missing as one that never was."""
    return page(
        request, "not_found.html", language=console.language, console=console, status_code=404
    )


Next = Annotated[str, Form(alias="next", max_length=20)]


@router.post("/referrals/{referral_id}/accept")
def accept(referral_id: int, request: Request, console: ChangeDep, next_url: Next = "") -> Response:
    return _answer(request, console, referral_id, "accept", "", next_url)


@router.post("/referrals/{referral_id}/reject")
def reject(
    referral_id: int,
    request: Request,
    console: ChangeDep,
    reason: Annotated[str, Form(max_length=2000)] = "",
    next_url: Next = "",
) -> Response:
    return _answer(request, console, referral_id, "reject", reason, next_url)


@router.post("/referrals/{referral_id}/complete")
def complete(
    referral_id: int,
    request: Request,
    console: ChangeDep,
    outcome: Annotated[str, Form(max_length=4000)] = "",
    message: Annotated[str, Form(max_length=4000)] = "",
    next_url: Next = "",
) -> Response:
    """The outcome stays inside the centre; `message`, if any, is what the person is told."""
    return _answer(request, console, referral_id, "complete", outcome, next_url, message)
