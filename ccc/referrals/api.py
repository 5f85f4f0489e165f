"""Referrals to programme teams, and the teams' answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlmodel import Session

from ccc.access.audit import Detail, disclose
from ccc.access.models import Team, User
from ccc.access.policy import Caller, visible_tickets
from ccc.api.deps import CallerDep, PageDep, SessionDep, SettingsDep, VisibleTicket
from ccc.kernel.errors import NotFound
from ccc.kernel.paging import MAX_ID, page
from ccc.referrals import service as service
from ccc.referrals.models import Referral, ReferralStatus
from ccc.referrals.schemas import OutcomeIn, ReasonIn, ReferralIn, ReferralOut, ReferralPage
from ccc.tickets.models import Ticket

router = APIRouter(tags=["referrals"])
ReferralId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _out(session: Session, referral: Referral, caller: Caller) -> ReferralOut:
    """A referral; its note, override reason, rejection reason and outcome only for those who
    may read them (the same rule as the ticket's answers, through `disclose`)."""
    ticket = session.get(Ticket, referral.ticket_id)
    team = session.get(Team, referral.team_id)
    author = session.get(User, referral.created_by_id) if referral.created_by_id else None
    assert ticket is not None and team is not None and referral.id is not None
    notes = disclose(
        session, caller=caller, ticket=ticket, what=Detail.referrals, referral_team_id=team.id
    )
    hidden = {"note", "consent_override_reason", "reason", "outcome"}
    return ReferralOut.model_validate(
        referral,
        update={
            "id": referral.id,
            "ticket": ticket.reference,
            "team": team.slug,
            "created_by": author.name if author else None,
            "details_hidden": not notes,
            **({} if notes else dict.fromkeys(hidden)),
        },
    )


def _visible_referral(
    referral_id: ReferralId, session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> tuple[Referral, Ticket]:
    """The referral and its ticket, or 404 when the caller may not see the ticket: a referral
    of a ticket one may not see does not exist, for that caller."""
    referral = service.get_referral(session, referral_id=referral_id)
    ticket = session.exec(
        visible_tickets(caller, focal_team=settings.restricted_focal_team).where(
            Ticket.id == referral.ticket_id
        )
    ).first()
    if ticket is None:
        raise NotFound("referral not found")
    return referral, ticket


VisibleReferral = Annotated[tuple[Referral, Ticket], Depends(_visible_referral)]


@router.post("/api/tickets/{reference}/referrals", status_code=201, response_model=ReferralOut)
def create_referral(
    ticket: VisibleTicket,
    body: ReferralIn,
    session: SessionDep,
    caller: CallerDep,
) -> ReferralOut:
    referral = service.refer(
        session,
        ticket=ticket,
        team_slug=body.team,
        note=body.note,
        override_reason=body.override_reason,
        caller=caller,
    )
    return _out(session, referral, caller)


@router.get("/api/tickets/{reference}/referrals", response_model=list[ReferralOut])
def ticket_referrals(
    ticket: VisibleTicket, session: SessionDep, caller: CallerDep
) -> list[ReferralOut]:
    rows = service.referrals_of(session, ticket=ticket, caller=caller)
    return [_out(session, r, caller) for r in rows]


@router.get("/api/referrals", response_model=ReferralPage)
def list_referrals(
    session: SessionDep,
    caller: CallerDep,
    paging: PageDep,
    settings: SettingsDep,
    status: ReferralStatus | None = None,
    team: Annotated[str | None, Query(max_length=64)] = None,
) -> ReferralPage:
    """The team view: referrals to the caller's teams (team members) or to any team."""
    query = service.team_view(
        session, caller=caller, focal_team=settings.restricted_focal_team, status=status, team=team
    )
    rows, next_cursor = page(session, query, Referral.id, cursor=paging.cursor, limit=paging.limit)
    return ReferralPage(items=[_out(session, r, caller) for r in rows], next=next_cursor)


@router.post("/api/referrals/{referral_id}/accept", response_model=ReferralOut)
def accept_referral(found: VisibleReferral, session: SessionDep, caller: CallerDep) -> ReferralOut:
    referral, ticket = found
    accepted = service.accept(session, referral=referral, ticket=ticket, caller=caller)
    return _out(session, accepted, caller)


@router.post("/api/referrals/{referral_id}/reject", response_model=ReferralOut)
def reject_referral(
    found: VisibleReferral, body: ReasonIn, session: SessionDep, caller: CallerDep
) -> ReferralOut:
    referral, ticket = found
    rejected = service.reject(
        session, referral=referral, ticket=ticket, reason=body.reason, caller=caller
    )
    return _out(session, rejected, caller)


@router.post("/api/referrals/{referral_id}/complete", response_model=ReferralOut)
def complete_referral(
    found: VisibleReferral, body: OutcomeIn, session: SessionDep, caller: CallerDep
) -> ReferralOut:
    referral, ticket = found
    completed = service.complete(
        session,
        referral=referral,
        ticket=ticket,
        outcome=body.outcome,
        caller=caller,
        message=body.message,
    )
    return _out(session, completed, caller)
