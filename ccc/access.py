"""Who may see which ticket, decided in one place.

Every read of tickets (the queue, one ticket, its timeline, its referrals) starts from
`visible_tickets`, so need-to-know rules change here and nowhere else. A team member sees their
teams' tickets and the tickets referred to their teams. Restricted tickets (misconduct, sexual
exploitation and abuse, fraud) fail closed: only the focal team sees that they exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, or_, select

from ccc.errors import NotFound
from ccc.models import Referral, Role, Sensitivity, Ticket


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    name: str
    role: str
    team_ids: frozenset[int] = frozenset()
    team_slugs: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return self.name


SYSTEM = Caller(user_id=None, name="system", role=Role.admin)


def visible_tickets(caller: Caller, *, focal_team: str) -> Any:
    """A `select(Ticket)` limited to what the caller may see."""
    query = select(Ticket)
    if focal_team not in caller.team_slugs:
        query = query.where(Ticket.sensitivity != Sensitivity.restricted)
    if caller.role == Role.team_member:
        if not caller.team_ids:
            return query.where(col(Ticket.id).is_(None))
        teams = sorted(caller.team_ids)
        referred_to_them = select(Referral.ticket_id).where(col(Referral.team_id).in_(teams))
        query = query.where(
            or_(col(Ticket.team_id).in_(teams), col(Ticket.id).in_(referred_to_them))
        )
    return query


def get_visible_ticket(
    session: Session, caller: Caller, reference: str, *, focal_team: str
) -> Ticket:
    """The ticket, or 404 exactly as for one that does not exist."""
    ticket = session.exec(
        visible_tickets(caller, focal_team=focal_team).where(Ticket.reference == reference)
    ).first()
    if ticket is None:
        raise NotFound("ticket not found")
    return ticket  # type: ignore[no-any-return]
