"""Teams are data: created by administrators, named by a slug that rules and the API use."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from ccc.access.models import Team
from ccc.kernel.errors import Invalid

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def create_team(session: Session, *, slug: str, name: str) -> Team:
    if not _SLUG.match(slug):
        raise Invalid("a team slug is lowercase letters, digits, '-' or '_' (at most 64)")
    if not name.strip():
        raise Invalid("a team needs a name")
    if session.exec(select(Team).where(Team.slug == slug)).first() is not None:
        raise Invalid(f"team {slug!r} already exists")
    team = Team(slug=slug, name=name.strip())
    session.add(team)
    session.flush()
    return team


def ensure_team(session: Session, *, slug: str, name: str) -> Team:
    existing = session.exec(select(Team).where(Team.slug == slug)).first()
    return existing if existing is not None else create_team(session, slug=slug, name=name)
