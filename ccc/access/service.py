"""Users and teams as data: teams created by administrators and named by a slug that rules and
the API use; the look-ups of users and teams the routes and pages need; the number an agent
takes calls on. The rules of who may do what are `policy.py`; tokens and accounts `auth.py`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, event
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, and_, col, or_, select

from ccc.access.audit import Action
from ccc.access.models import AuditEntry, Role, Team, User
from ccc.access.policy import Caller, granted
from ccc.kernel.errors import Invalid
from ccc.kernel.phone import to_e164
from ccc.tickets.models import Sensitivity, Ticket

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
AGENT_ROLES = frozenset({Role.agent, Role.supervisor})


def create_team(session: Session, *, slug: str, name: str) -> Team:
    if not _SLUG.match(slug):
        raise Invalid("a team slug is lowercase letters, digits, '-' or '_' (at most 64)")
    if not name.strip():
        raise Invalid("a team needs a name")
    if team_by_slug(session, slug) is not None:
        raise Invalid(f"team {slug!r} already exists")
    team = Team(slug=slug, name=name.strip())
    session.add(team)
    session.flush()
    return team


def ensure_team(session: Session, *, slug: str, name: str) -> Team:
    existing = team_by_slug(session, slug)
    return existing if existing is not None else create_team(session, slug=slug, name=name)


_TEAMS_KEY = "ccc.access.teams"


_TEAM = select(Team).where(Team.slug == bindparam("b_slug"))  # built once: routing asks it


def team_by_slug(session: Session, slug: str) -> Team | None:
    """The team, remembered for the rest of the session's transaction and held there, so that
    `session.get(Team, id)` finds it without a query too: routing a new ticket asked for the
    same team three times (the rule's action, the change it makes, the routing summary)."""
    known: dict[str, Team] = session.info.setdefault(_TEAMS_KEY, {})
    team = known.get(slug)
    if team is None:
        team = session.exec(_TEAM, params={"b_slug": slug}).first()
        if team is not None:
            known[slug] = team
    return team


@event.listens_for(Session, "after_transaction_end")
def _forget_teams(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_TEAMS_KEY, None)


def teams(session: Session) -> list[Team]:
    """Every team, by slug."""
    return list(session.exec(select(Team).order_by(col(Team.slug))).all())


def team_slugs(session: Session) -> dict[int, str]:
    """Each team's slug by its id."""
    return {team.id: team.slug for team in teams(session) if team.id is not None}


def user_by_name(session: Session, name: str) -> User | None:
    return session.exec(select(User).where(User.name == name)).first()


def user_names(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """The names of these users, by id (none asked, no query)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    found = session.exec(select(User).where(col(User.id).in_(wanted))).all()
    return {user.id: user.name for user in found if user.id is not None}


def agent_for_phone(session: Session, *, phone: str | None) -> User | None:
    """An active agent or supervisor who registered this number (`ccc user add --phone`)."""
    if not phone:
        return None
    user = session.exec(select(User).where(User.phone == phone, col(User.active).is_(True))).first()
    if user is None or user.role not in AGENT_ROLES:
        return None
    return user


def set_user_phone(session: Session, *, user: User, phone: str, region: str) -> str:
    """The number an agent takes calls on: E.164, and nobody else's."""
    number = to_e164(phone, region)
    if number is None:
        raise Invalid(f"{phone!r} is not a phone number")
    taken = session.exec(select(User).where(User.phone == number, User.id != user.id)).first()
    if taken is not None:
        raise Invalid(f"that number is already the phone of user {taken.name!r}")
    user.phone = number
    session.add(user)
    return number


def audit_entries(
    caller: Caller,
    *,
    focal_team: str,
    ticket: str | None = None,
    user: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    action: Action | None = None,
) -> Any:
    """The audit log's entries the caller may read, each with its ticket's reference, filtered
    by ticket, by who acted, by time and by action.

    Entries about restricted tickets (restricted then or now), break-glass requests among them,
    only for the focal team, or for whoever holds an active break-glass grant to that ticket
    while it lasts: not for admins at large (CONTRACT.md: "restricted tickets' entries only for
    the focal team"; docs/data-protection.md says who reviews the requests)."""
    query = select(AuditEntry, Ticket.reference).outerjoin(
        Ticket, col(Ticket.id) == col(AuditEntry.ticket_id)
    )
    if focal_team not in caller.team_slugs:
        unrestricted = and_(
            AuditEntry.restricted == False,  # noqa: E712  (SQL, not Python)
            or_(col(Ticket.id).is_(None), Ticket.sensitivity != Sensitivity.restricted),
        )
        query = query.where(or_(unrestricted, col(AuditEntry.ticket_id).in_(granted(caller))))
    if ticket:
        query = query.where(Ticket.reference == ticket.strip())
    if user:
        query = query.where(AuditEntry.actor == user.strip())
    if start is not None:
        query = query.where(col(AuditEntry.created_at) >= start)
    if end is not None:
        query = query.where(col(AuditEntry.created_at) <= end)
    if action:
        query = query.where(AuditEntry.action == action.value)
    return query


def staff_names(session: Session) -> list[str]:
    """The active agents and supervisors, by name: whom a ticket can be assigned to."""
    query = (
        select(User.name)
        .where(col(User.active), col(User.role).in_(("agent", "supervisor")))
        .order_by(col(User.name))
    )
    return list(session.exec(query))
