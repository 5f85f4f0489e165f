"""Referrals: a ticket sent to a programme team, which accepts or rejects it and records the
outcome. Completing the last open referral resolves the ticket, which tells the person.

Consent comes first: a ticket is referred only if the person agreed to share their data
(`consent_to_share: yes` in the intake), or a supervisor overrides with a recorded reason.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from ccc.access.models import Role, Team
from ccc.access.policy import Caller
from ccc.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from ccc.kernel.text import article
from ccc.kernel.timeutil import utcnow
from ccc.referrals.models import Referral, ReferralStatus
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import Changes, apply_changes, record

ACTIVE = (ReferralStatus.pending, ReferralStatus.accepted)
OVERRIDERS = frozenset({Role.supervisor, Role.admin})
DEFAULT_REFERRAL_HOURS = 72.0


def refer(
    session: Session,
    *,
    ticket: Ticket,
    team_slug: str,
    note: str | None,
    override_reason: str | None,
    caller: Caller,
    due_hours: float = DEFAULT_REFERRAL_HOURS,
) -> Referral:
    team = session.exec(select(Team).where(Team.slug == team_slug)).first()
    if team is None or team.id is None:
        raise Invalid(f"unknown team {team_slug!r}")
    if ticket.status in (TicketStatus.resolved, TicketStatus.closed):
        status = f"{article(ticket.status)} {ticket.status}"
        raise Conflict(f"{status} ticket cannot be referred; reopen it first")
    if _active(session, ticket, team.id):
        raise Conflict(f"the ticket is already referred to {team.slug}")
    override = (override_reason or "").strip() or None
    if ticket.answers.get("consent_to_share") != "yes":
        if override is None:
            raise Conflict(
                "the person has not agreed to share their data; a supervisor may refer "
                "with an 'override_reason'"
            )
        if caller.role not in OVERRIDERS:
            raise Forbidden("only a supervisor or an admin may override the person's consent")
    elif override is not None:
        override = None  # consent was given: nothing to override
    assert ticket.id is not None
    now = utcnow()
    referral = Referral(
        ticket_id=ticket.id,
        team_id=team.id,
        note=(note or "").strip() or None,
        consent_override_reason=override,
        created_by_id=caller.user_id,
        created_at=now,
        due_at=now + timedelta(hours=due_hours),
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
    if ticket.status != TicketStatus.referred:
        apply_changes(
            session, ticket=ticket, changes=Changes(status=TicketStatus.referred), caller=caller
        )
    return referral


def _active(session: Session, ticket: Ticket, team_id: int | None = None) -> list[Referral]:
    query = select(Referral).where(
        Referral.ticket_id == ticket.id, col(Referral.status).in_(list(ACTIVE))
    )
    if team_id is not None:
        query = query.where(Referral.team_id == team_id)
    return list(session.exec(query).all())


def check_answerable(caller: Caller, referral: Referral) -> None:
    """Only the receiving team (or a supervisor) answers a referral."""
    if caller.role in OVERRIDERS or referral.team_id in caller.team_ids:
        return
    raise Forbidden("only the team the ticket was referred to can answer this referral")


def accept(session: Session, *, referral: Referral, ticket: Ticket, caller: Caller) -> Referral:
    check_answerable(caller, referral)
    if referral.status != ReferralStatus.pending:
        raise Conflict(f"{article(referral.status)} {referral.status} referral cannot be accepted")
    _answer(referral, ReferralStatus.accepted, caller)
    session.add(referral)
    record(session, ticket=ticket, kind="referral_accepted", caller=caller, referral_id=referral.id)
    return referral


def reject(
    session: Session, *, referral: Referral, ticket: Ticket, reason: str, caller: Caller
) -> Referral:
    check_answerable(caller, referral)
    if referral.status not in ACTIVE:
        raise Conflict(f"{article(referral.status)} {referral.status} referral cannot be rejected")
    reason = reason.strip()
    if not reason:
        raise Invalid("rejecting a referral needs a 'reason'")
    _answer(referral, ReferralStatus.rejected, caller)
    referral.reason = reason
    session.add(referral)
    session.flush()
    record(
        session,
        ticket=ticket,
        kind="referral_rejected",
        caller=caller,
        referral_id=referral.id,
        reason=reason,
    )
    _after_last_referral(session, ticket, TicketStatus.open, caller)
    return referral


def complete(
    session: Session, *, referral: Referral, ticket: Ticket, outcome: str, caller: Caller
) -> Referral:
    check_answerable(caller, referral)
    if referral.status != ReferralStatus.accepted:
        status = f"{article(referral.status)} {referral.status}"
        raise Conflict(f"{status} referral cannot be completed; accept it first")
    outcome = outcome.strip()
    if not outcome:
        raise Invalid("completing a referral needs an 'outcome'")
    referral.status = ReferralStatus.completed
    referral.outcome = outcome
    referral.completed_at = utcnow()
    session.add(referral)
    session.flush()
    record(
        session,
        ticket=ticket,
        kind="referral_completed",
        caller=caller,
        referral_id=referral.id,
        outcome=outcome,
    )
    # The loop closes by itself: resolving tells the person in their language.
    _after_last_referral(session, ticket, TicketStatus.resolved, caller)
    return referral


def _after_last_referral(
    session: Session, ticket: Ticket, status: TicketStatus, caller: Caller
) -> None:
    """Once no referral is open any more, the ticket leaves `referred` for `status`."""
    if not _active(session, ticket) and ticket.status == TicketStatus.referred:
        apply_changes(session, ticket=ticket, changes=Changes(status=status), caller=caller)


def _answer(referral: Referral, status: ReferralStatus, caller: Caller) -> None:
    referral.status = status
    referral.answered_by_id = caller.user_id
    referral.answered_at = utcnow()


def get_referral(session: Session, *, referral_id: int) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("referral not found")
    return referral
