"""Who may see which ticket, decided in one place.

Every read of tickets (the queue, one ticket, its timeline, its referrals) starts from
`visible_tickets`, so need-to-know rules change here and nowhere else. A team member sees their
teams' tickets and the tickets referred to their teams. Restricted tickets (misconduct, sexual
exploitation and abuse, fraud) fail closed: only the focal team sees that they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import true
from sqlmodel import Session, col, or_, select

from ccc.access.models import Role, Team, TeamMembership
from ccc.kernel.errors import Forbidden, NotFound
from ccc.referrals.models import Referral, ReferralStatus
from ccc.tickets.models import Sensitivity, Ticket


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    name: str
    role: str
    team_ids: frozenset[int] = frozenset()
    team_slugs: frozenset[str] = frozenset()


def visible_tickets(caller: Caller, *, focal_team: str) -> Any:
    """A `select(Ticket)` limited to what the caller may see."""
    query = select(Ticket)
    if focal_team not in caller.team_slugs:
        query = query.where(Ticket.sensitivity != Sensitivity.restricted)
    if caller.role == Role.team_member:
        if not caller.team_ids:
            return query.where(col(Ticket.id).is_(None))
        teams = sorted(caller.team_ids)
        referred_to_them = select(Referral.ticket_id).where(
            col(Referral.team_id).in_(teams), Referral.status != ReferralStatus.rejected
        )
        query = query.where(
            or_(col(Ticket.team_id).in_(teams), col(Ticket.id).in_(referred_to_them))
        )
    return query


def get_visible_ticket(
    session: Session, *, caller: Caller, reference: str, focal_team: str
) -> Ticket:
    """The ticket, or 404 exactly as for one that does not exist."""
    ticket = session.exec(
        visible_tickets(caller, focal_team=focal_team).where(Ticket.reference == reference)
    ).first()
    if ticket is None:
        raise NotFound("ticket not found")
    return ticket  # type: ignore[no-any-return]


_LEVEL = {Sensitivity.normal: 0, Sensitivity.sensitive: 1, Sensitivity.restricted: 2}
STAFF = frozenset({Role.agent, Role.supervisor, Role.admin})
OVERSIGHT = frozenset({Role.supervisor, Role.admin})
CENTRE_TEAM = "ccc"


def authorize_changes(
    session: Session,
    caller: Caller,
    ticket: Ticket,
    updates: dict[str, tuple[Any, Any]],
    *,
    focal_team: str | None,
) -> None:
    """Who may change what, beyond seeing the ticket (403 otherwise).

    Anyone who sees a ticket may raise its sensitivity (an agent who reads an abuse allegation
    must be able to restrict it at once), but only supervisors, admins and the focal team may
    lower it. Team members may hand a ticket back to the centre, not move it elsewhere, and
    may assign it only within the ticket's team.
    """
    if caller.user_id is None:
        return  # the system itself: routing, the person's own messages, periodic jobs
    if "sensitivity" in updates:
        old, new = updates["sensitivity"]
        lowering = _LEVEL[Sensitivity(new)] < _LEVEL[Sensitivity(old)]
        in_focal_team = focal_team is not None and focal_team in caller.team_slugs
        if lowering and caller.role not in OVERSIGHT and not in_focal_team:
            raise Forbidden("only a supervisor, an admin or the focal team may lower sensitivity")
    if caller.role in STAFF:
        return
    if "team_id" in updates:
        centre = session.exec(select(Team.id).where(Team.slug == CENTRE_TEAM)).first()
        if updates["team_id"][1] != centre:
            raise Forbidden(f"a team member may only hand a ticket back to {CENTRE_TEAM!r}")
    if "assignee_id" in updates and updates["assignee_id"][1] is not None:
        team_id = updates.get("team_id", (None, ticket.team_id))[1]
        member = session.get(TeamMembership, (updates["assignee_id"][1], team_id))
        if member is None:
            raise Forbidden("a team member may assign a ticket only to someone of its team")


def may_see_details(session: Session, *, caller: Caller, ticket: Ticket) -> bool:
    """A `sensitive` ticket's answers and timeline are for its own team, a team it is referred
    to, and supervisors; others see that it exists, its status and its clocks."""
    if ticket.sensitivity != Sensitivity.sensitive or caller.user_id is None:
        return True
    if caller.role in OVERSIGHT or ticket.team_id in caller.team_ids:
        return True
    referred = session.exec(
        select(Referral.id).where(
            Referral.ticket_id == ticket.id,
            col(Referral.team_id).in_(sorted(caller.team_ids)),
            Referral.status != ReferralStatus.rejected,
        )
    ).first()
    return referred is not None


def check_details(session: Session, *, caller: Caller, ticket: Ticket) -> None:
    if not may_see_details(session, caller=caller, ticket=ticket):
        raise Forbidden("the details of a sensitive ticket are for its team and supervisors")


def searchable_answers(caller: Caller) -> Any:
    """The condition under which a ticket's answers may be searched by this caller."""
    if caller.role in OVERSIGHT:
        return true()
    return or_(
        Ticket.sensitivity == Sensitivity.normal,
        col(Ticket.team_id).in_(sorted(caller.team_ids)),
    )
