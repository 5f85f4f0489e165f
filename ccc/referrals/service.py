"""Referrals: a ticket sent to a programme team, which accepts or rejects it and records the
outcome. Completing the last open referral resolves the ticket, which tells the person.

Consent comes first: a ticket is referred only if the person agreed to share their data
(`consent_to_share: yes` in the intake), or a supervisor overrides with a recorded reason.
"""

from __future__ import annotations

from typing import TypeVar

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select, SelectOfScalar

from ccc.access import audit
from ccc.access.models import Role, Team
from ccc.access.policy import (
    Caller,
    check_consent,
    check_may_share,
    check_owning_side,
    may_answer_referral,
    running_focal_team,
    visible_tickets,
)
from ccc.access.service import team_by_slug
from ccc.kernel import events
from ccc.kernel.errors import CCCError, Conflict, Forbidden, Invalid, NotFound
from ccc.kernel.text import article
from ccc.kernel.timeutil import utcnow
from ccc.referrals.models import Referral, ReferralStatus
from ccc.sla import service as sla
from ccc.tickets.models import Sensitivity, Ticket, TicketStatus
from ccc.tickets.service import Changes, apply_changes, permitted, record, reply

ACTIVE = (ReferralStatus.pending, ReferralStatus.accepted)
_Q = TypeVar("_Q", SelectOfScalar[Referral], Select[Referral, Ticket])


def refer(
    session: Session,
    *,
    ticket: Ticket,
    team_slug: str,
    note: str | None,
    override_reason: str | None,
    caller: Caller,
) -> Referral:
    team = team_by_slug(session, team_slug)
    if team is None or team.id is None:
        raise Invalid(f"unknown team {team_slug!r}")
    override = _check_referable(session, ticket, team, caller, override_reason)
    referral = _add_referral(session, ticket, team, note=note, override=override, caller=caller)
    if override is not None:
        audit.record(
            session,
            caller=caller,
            action=audit.Action.consent_override,
            ticket=ticket,
            team=team.slug,
            reason=override,
            referral_id=referral.id,
        )
    if ticket.status != TicketStatus.referred:
        apply_changes(
            session,
            ticket=ticket,
            changes=Changes(status=TicketStatus.referred),
            caller=caller,
            by_referral=True,
        )
    return referral


def _add_referral(
    session: Session,
    ticket: Ticket,
    team: Team,
    *,
    note: str | None,
    override: str | None,
    caller: Caller,
) -> Referral:
    """The referral row, due in the receiving team's business hours, and its timeline event."""
    assert ticket.id is not None and team.id is not None
    now = utcnow()
    referral = Referral(
        ticket_id=ticket.id,
        team_id=team.id,
        note=(note or "").strip() or None,
        consent_override_reason=override,
        created_by_id=caller.user_id,
        created_at=now,
        due_at=sla.referral_due(team=team.slug, start=now),
    )
    session.add(referral)
    session.flush()
    record(
        session,
        ticket=ticket,
        kind="referred",
        caller=caller,
        referral_id=referral.id,
        team=team.slug,
        note=referral.note,
        consent_override_reason=override,
    )
    return referral


def _check_referable(
    session: Session, ticket: Ticket, team: Team, caller: Caller, override_reason: str | None
) -> str | None:
    """409 or 403 when this referral may not be made; the consent override to record."""
    if ticket.status in (TicketStatus.resolved, TicketStatus.closed):
        status = f"{article(ticket.status)} {ticket.status}"
        raise Conflict(f"{status} ticket cannot be referred; reopen it first")
    if _active(session, ticket, team.id):
        raise Conflict(f"the ticket is already referred to {team.slug}")
    focal_team = running_focal_team() if caller.user_id is not None else None
    check_owning_side(caller, ticket, focal_team=focal_team, doing="referring the ticket on")
    check_may_share(session, caller=caller, ticket=ticket)
    if ticket.sensitivity == Sensitivity.restricted:
        raise Conflict(
            "a restricted ticket is not referred: only the focal team may see it, and it is "
            "already in that team's queue"
        )
    return check_consent(ticket=ticket, caller=caller, override_reason=override_reason)


def may_refer_to(
    session: Session, *, ticket: Ticket, team: Team, caller: Caller, override_reason: str | None
) -> bool:
    """Whether `refer` would accept this referral, asked without making it (the console offers
    only the teams its POST accepts)."""
    try:
        _check_referable(session, ticket, team, caller, override_reason)
    except CCCError:
        return False
    if ticket.status == TicketStatus.referred:
        return True
    changes = Changes(status=TicketStatus.referred)
    return permitted(session, ticket=ticket, changes=changes, caller=caller, by_referral=True)


def _active(session: Session, ticket: Ticket, team_id: int | None = None) -> list[Referral]:
    query = select(Referral).where(
        Referral.ticket_id == ticket.id, col(Referral.status).in_(list(ACTIVE))
    )
    if team_id is not None:
        query = query.where(Referral.team_id == team_id)
    return list(session.exec(query).all())


def check_answerable(caller: Caller, referral: Referral) -> None:
    """Only the receiving team (or a supervisor) answers a referral."""
    if may_answer_referral(caller, referral_team_id=referral.team_id):
        return
    raise Forbidden("only the team the ticket was referred to can answer this referral")


def _check_answer(
    caller: Caller, referral: Referral, *, allowed: tuple[str, ...], verb: str, hint: str = ""
) -> None:
    """The receiving team answers, and only from a status the answer follows: 409 otherwise,
    naming the status it is in ("a completed referral cannot be accepted")."""
    check_answerable(caller, referral)
    if referral.status not in allowed:
        status = f"{article(referral.status)} {referral.status}"
        raise Conflict(f"{status} referral cannot be {verb}{hint}")


def _required(text: str, *, field: str, doing: str) -> str:
    text = text.strip()
    if not text:
        raise Invalid(f"{doing} a referral needs {article(field)} '{field}'")
    return text


def accept(session: Session, *, referral: Referral, ticket: Ticket, caller: Caller) -> Referral:
    _check_answer(caller, referral, allowed=(ReferralStatus.pending,), verb="accepted")
    _answer(referral, ReferralStatus.accepted, caller)
    session.add(referral)
    record(session, ticket=ticket, kind="referral_accepted", caller=caller, referral_id=referral.id)
    return referral


def reject(
    session: Session, *, referral: Referral, ticket: Ticket, reason: str, caller: Caller
) -> Referral:
    _check_answer(caller, referral, allowed=ACTIVE, verb="rejected")
    referral.reason = _required(reason, field="reason", doing="rejecting")
    _answer(referral, ReferralStatus.rejected, caller)
    _recorded(session, ticket, referral, "referral_rejected", caller, reason=referral.reason)
    _after_last_referral(session, ticket, TicketStatus.open, caller)
    return referral


def complete(
    session: Session,
    *,
    referral: Referral,
    ticket: Ticket,
    outcome: str,
    caller: Caller,
    message: str | None = None,
) -> Referral:
    """The team's outcome (internal) and, optionally, the words for the person: the closing
    message when this was the last open referral, else a reply on the ticket."""
    allowed = (ReferralStatus.accepted,)
    _check_answer(caller, referral, allowed=allowed, verb="completed", hint="; accept it first")
    referral.outcome = _required(outcome, field="outcome", doing="completing")
    referral.status = ReferralStatus.completed
    referral.completed_at = utcnow()
    _recorded(session, ticket, referral, "referral_completed", caller, outcome=referral.outcome)
    # The loop closes by itself: resolving tells the person in their language.
    _after_last_referral(session, ticket, TicketStatus.resolved, caller, message=message)
    if message is not None and ticket.status != TicketStatus.resolved:
        reply(session, ticket=ticket, text=message, caller=caller, by_referral=True)
    return referral


def _recorded(
    session: Session,
    ticket: Ticket,
    referral: Referral,
    kind: str,
    caller: Caller,
    **data: str | None,
) -> None:
    session.add(referral)
    session.flush()
    record(session, ticket=ticket, kind=kind, caller=caller, referral_id=referral.id, **data)


def _after_last_referral(
    session: Session,
    ticket: Ticket,
    status: TicketStatus,
    caller: Caller,
    *,
    message: str | None = None,
) -> None:
    """Once no referral is open any more, the ticket leaves `referred` for `status`."""
    if not _active(session, ticket) and ticket.status == TicketStatus.referred:
        changes = Changes(status=status, message=message)
        apply_changes(session, ticket=ticket, changes=changes, caller=caller, by_referral=True)


def _answer(referral: Referral, status: ReferralStatus, caller: Caller) -> None:
    referral.status = status
    referral.answered_by_id = caller.user_id
    referral.answered_at = utcnow()


def get_referral(session: Session, *, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("referral not found")
    return referral


@events.subscribe(events.TICKET_UPDATED)
def settle_referrals(session: Session, event: events.DomainEvent) -> None:
    """A referral never outlives its ticket: resolving or closing the ticket cancels its open
    referrals, and restricting it cancels those to teams that may no longer see it."""
    ticket = session.get(Ticket, event.ticket_id)
    changed = event.data.get("changed", [])
    if ticket is None:
        return
    if "status" in changed and ticket.status in (TicketStatus.resolved, TicketStatus.closed):
        reason = f"the ticket was {ticket.status}"
        settled = _active(session, ticket)
    elif "sensitivity" in changed and ticket.sensitivity == Sensitivity.restricted:
        reason = "the ticket was restricted to the focal team"
        settled = [r for r in _active(session, ticket) if r.team_id != ticket.team_id]
    else:
        return
    actor = Caller(user_id=None, name=str(event.data.get("actor") or "system"), role="system")
    for referral in settled:
        referral.status = ReferralStatus.cancelled
        referral.reason = reason
        referral.answered_at = utcnow()
        session.add(referral)
        record(
            session,
            ticket=ticket,
            kind="referral_cancelled",
            caller=actor,
            referral_id=referral.id,
            reason=reason,
        )
    session.flush()
    _after_last_referral(session, ticket, TicketStatus.open, actor)


def referrals_of(session: Session, *, ticket: Ticket, caller: Caller) -> list[Referral]:
    """The ticket's referrals, oldest first; a receiving team sees its own referrals of the
    ticket, not the notes sent to others."""
    query = select(Referral).where(Referral.ticket_id == ticket.id)
    if caller.role == Role.team_member and ticket.team_id not in caller.team_ids:
        query = query.where(col(Referral.team_id).in_(sorted(caller.team_ids)))
    return list(session.exec(query.order_by(col(Referral.id))).all())


def team_view(
    session: Session,
    *,
    caller: Caller,
    focal_team: str,
    status: ReferralStatus | None = None,
    team: str | None = None,
) -> SelectOfScalar[Referral]:
    """The referrals of the team view, to page through: of tickets the caller may see, to the
    caller's teams (team members) or to any team; of one status, to one team, if asked."""
    query = _seen_by(select(Referral), caller, focal_team)
    if status:
        query = query.where(Referral.status == status.value)
    if team:
        team_row = team_by_slug(session, team)
        if team_row is None:
            raise Invalid(f"unknown team {team!r}")
        query = query.where(Referral.team_id == team_row.id)
    return query


def team_list(
    session: Session, *, caller: Caller, focal_team: str, open_only: bool, limit: int = 200
) -> list[tuple[Referral, Ticket]]:
    """The console's team view: as `team_view`, newest first, each with its ticket; only the
    pending and accepted ones if `open_only`."""
    query = select(Referral, Ticket).join(Ticket, col(Ticket.id) == Referral.ticket_id)
    query = _seen_by(query, caller, focal_team)
    if open_only:
        query = query.where(col(Referral.status).in_([s.value for s in ACTIVE]))
    return list(session.exec(query.order_by(col(Referral.id).desc()).limit(limit)).all())


def _seen_by(query: _Q, caller: Caller, focal_team: str) -> _Q:
    """Referrals of tickets the caller may see; for a team member, to their teams only."""
    visible = visible_tickets(caller, focal_team=focal_team).with_only_columns(col(Ticket.id))
    query = query.where(col(Referral.ticket_id).in_(visible))
    if caller.role == Role.team_member:
        query = query.where(col(Referral.team_id).in_(sorted(caller.team_ids)))
    return query
