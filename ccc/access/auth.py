"""API tokens: random, shown once, stored only as a SHA-256 digest.

The tokens are 256-bit random strings, so a fast hash is enough: there is nothing to
brute-force that a slow password hash would protect.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlmodel import Session, col, select

from ccc.access.models import ApiToken, Role, Team, TeamMembership, User
from ccc.access.policy import Caller
from ccc.kernel.errors import Invalid, NotFound
from ccc.kernel.timeutil import utcnow

TOKEN_PREFIX = "ccc_"  # noqa: S105  (a visible prefix, not a secret)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# `last_used_at` is written at most this often per token, so that reads do not all turn into
# writes (on SQLite every write takes the database's one write lock).
LAST_USED_RESOLUTION = timedelta(minutes=5)


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
    user = User(name=name, role=role)
    session.add(user)
    session.flush()
    assert user.id is not None
    for team in teams:
        assert team.id is not None
        session.add(TeamMembership(user_id=user.id, team_id=team.id))
    return user, issue_token(session, user=user)


def issue_token(session: Session, *, user: User) -> str:
    """A new API token for the user, beside any they have; returned once, stored as a digest."""
    assert user.id is not None
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=digest(token)))
    session.flush()
    return token


def find_user(session: Session, *, name: str) -> User:
    user = session.exec(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound(f"unknown user {name!r}")
    return user


def revoke_access(
    session: Session, *, user: User, by: Caller | None = None, reason: str = "revoked"
) -> int:
    """Ends every API token and console session of the user at once; returns how many. Each
    ended session is in the audit log, done `by` the caller given."""
    assert user.id is not None
    now = utcnow()
    tokens = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, col(ApiToken.revoked_at).is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
        session.add(token)
    # why: the console's sessions module loads argon2 and pyotp, which the command line's user
    # and token commands (importing this module) need not load; only a revocation ends them.
    from ccc.console.auth import end_user_sessions

    ended = len(tokens) + end_user_sessions(session, user=user, reason=reason, by=by)
    session.flush()
    return ended


def deactivate_user(session: Session, *, user: User, by: Caller | None = None) -> int:
    """The user can no longer sign in or call the API; their name stays on the timeline."""
    user.active = False
    session.add(user)
    return revoke_access(session, user=user, by=by, reason="deactivated")


def caller_for_token(session: Session, *, token: str, token_days: float = 90) -> Caller | None:
    """The caller a token stands for, or None when it is unknown, revoked, older than
    `token_days`, or its user was deactivated."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == digest(token))).first()
    now = utcnow()
    if row is None or row.revoked_at is not None:
        return None
    if now - row.created_at > timedelta(days=token_days):
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        row.last_used_at = now
        session.add(row)
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
