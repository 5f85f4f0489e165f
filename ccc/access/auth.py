"""API tokens: random, shown once, stored only as a SHA-256 digest.

The tokens are 256-bit random strings, so a fast hash is enough: there is nothing to
brute-force that a slow password hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from ccc.access.models import Role, Team, TeamMembership, User
from ccc.access.policy import Caller
from ccc.kernel.errors import Invalid

TOKEN_PREFIX = "ccc_"  # noqa: S105  (a visible prefix, not a secret)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    session: Session, *, name: str, role: str, team_slugs: list[str]
) -> tuple[User, str]:
    """The new user and their token (the only time it exists in clear)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise Invalid("a user name is 1 to 120 characters")
    if role not in {r.value for r in Role}:
        raise Invalid(f"unknown role {role!r}; one of: {', '.join(r.value for r in Role)}")
    if session.exec(select(User).where(User.name == name)).first() is not None:
        raise Invalid(f"user {name!r} already exists")
    teams = []
    for slug in dict.fromkeys(team_slugs):
        team = session.exec(select(Team).where(Team.slug == slug)).first()
        if team is None:
            raise Invalid(f"unknown team {slug!r}")
        teams.append(team)
    if role == Role.team_member and not teams:
        raise Invalid("a team_member needs at least one --team")
    token = new_token()
    user = User(name=name, role=role, token_hash=digest(token))
    session.add(user)
    session.flush()
    assert user.id is not None
    for team in teams:
        assert team.id is not None
        session.add(TeamMembership(user_id=user.id, team_id=team.id))
    return user, token


def caller_for_token(session: Session, *, token: str) -> Caller | None:
    user = session.exec(select(User).where(User.token_hash == digest(token))).first()
    if user is None or not user.active:
        return None
    return caller_for_user(session, user=user)


def caller_for_user(session: Session, *, user: User) -> Caller:
    teams = session.exec(
        select(Team).join(TeamMembership).where(TeamMembership.user_id == user.id)
    ).all()
    return Caller(
        user_id=user.id,
        name=user.name,
        role=user.role,
        team_ids=frozenset(t.id for t in teams if t.id is not None),
        team_slugs=frozenset(t.slug for t in teams),
    )
