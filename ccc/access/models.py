"""Teams, users and who belongs to which team."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from ccc.kernel.timeutil import UTCDateTime, utcnow


class Role(StrEnum):
    agent = "agent"
    team_member = "team_member"
    supervisor = "supervisor"
    admin = "admin"


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True, index=True)
    role: str = Field(max_length=20)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    active: bool = True
    # The console: an argon2id hash (none: no console login) and the language of its pages.
    password_hash: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    totp_secret: str | None = Field(default=None, max_length=64)  # the optional second factor
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TeamMembership(SQLModel, table=True):
    __tablename__ = "team_membership"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")
