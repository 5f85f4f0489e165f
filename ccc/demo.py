"""Demo teams and one user per role, so a new user can try CCC in minutes."""

from __future__ import annotations

from sqlmodel import Session, select

from ccc.auth import digest, new_token
from ccc.models import TeamMembership, User
from ccc.teams import ensure_team

TEAMS = {
    "ccc": "Community Contact Centre agents",
    "tracing": "Tracing (missing persons)",
    "detention": "Detention (detainees and their families)",
    "assistance": "Assistance (cash, livelihood, rehabilitation, health)",
    "accountability": "Accountability and complaints (focal team)",
}

USERS: tuple[tuple[str, str, list[str]], ...] = (
    ("demo-agent", "agent", ["ccc"]),
    ("demo-tracing", "team_member", ["tracing"]),
    ("demo-supervisor", "supervisor", ["ccc"]),
    ("demo-admin", "admin", []),
)


def load_demo(session: Session) -> list[str]:
    """Creates what is missing and prints a fresh token for every demo user.

    Tokens are stored hashed, so the only way to show one again is to issue a new one: each
    run replaces the demo users' tokens (and only theirs).
    """
    teams = {slug: ensure_team(session, slug=slug, name=name) for slug, name in TEAMS.items()}
    lines = [f"teams: {', '.join(TEAMS)}"]
    for name, role, team_slugs in USERS:
        token = new_token()
        user = session.exec(select(User).where(User.name == name)).first()
        if user is None:
            user = User(name=name, role=role, token_hash=digest(token))
        else:
            user.token_hash = digest(token)
        session.add(user)
        session.flush()
        assert user.id is not None
        for slug in team_slugs:
            team_id = teams[slug].id
            assert team_id is not None
            if session.get(TeamMembership, (user.id, team_id)) is None:
                session.add(TeamMembership(user_id=user.id, team_id=team_id))
        lines.append(f"{role:12} {name:16} {token}")
    return lines
