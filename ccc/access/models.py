"""Teams, users and who belongs to which team."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from ccc.kernel.defaults import empty_dict
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
    active: bool = True
    # The E.164 number the user takes calls on: the agent line knows agents by it.
    phone: str | None = Field(default=None, max_length=20, index=True)
    # The console: an argon2id hash (none: no console login) and the language of its pages.
    password_hash: str | None = Field(default=None, max_length=200)
    language: str | None = Field(default=None, max_length=8)
    totp_secret: str | None = Field(default=None, max_length=64)  # the optional second factor
    # The secret offered on the account page, kept here (never in the form) until a code
    # confirms it; and the last 30-second step whose code was accepted, so none is used twice.
    totp_pending: str | None = Field(default=None, max_length=64)
    totp_last_step: int | None = None
    # The calendar (in calendars.yaml) of the user's own shifts; none: the team's calendar.
    calendar: str | None = Field(default=None, max_length=60)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ApiToken(SQLModel, table=True):
    """One API token of a user, stored only as its SHA-256 digest. A token stops working when
    it is revoked, when its user is deactivated, or `CCC_TOKEN_DAYS` after it was issued."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TeamMembership(SQLModel, table=True):
    __tablename__ = "team_membership"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")


class AuditEntry(SQLModel, table=True):
    """The audit log: append-only, nothing in CCC updates or deletes a row.

    `restricted` keeps that the ticket was restricted when the entry was written, so lowering
    the ticket's sensitivity later does not show outsiders who read it while it was."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_ticket", "ticket_id", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    actor: str = Field(max_length=120)
    action: str = Field(max_length=40, index=True)
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    restricted: bool = False
    address: str | None = Field(default=None, max_length=64)
    data: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))


class BreakGlassGrant(SQLModel, table=True):
    """A supervisor's or admin's access to a restricted ticket outside its focal team, asked
    for with a reason and ending at `expires_at` (`CCC_BREAK_GLASS_MINUTES`)."""

    __tablename__ = "break_glass_grant"
    __table_args__ = (Index("ix_break_glass_user", "user_id", "ticket_id", "expires_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    user_id: int = Field(foreign_key="user.id")
    reason: str = Field(max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
