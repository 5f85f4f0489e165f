"""Console sessions and login attempts: server-side, so a session can be ended at once and
failed logins can be counted across every web process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ccc.kernel.timeutil import UTCDateTime, utcnow


class ConsoleSession(SQLModel, table=True):
    """One browser login. Only a SHA-256 digest of the cookie's value is stored, so a copy of
    the database opens no session."""

    __tablename__ = "console_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoginAttempt(SQLModel, table=True):
    """A failed login, kept for the limit window; the address is the client's IP."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_username", "username", "created_at"),
        Index("ix_login_attempt_address", "address", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120)
    address: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TicketPresence(SQLModel, table=True):
    """Who has a ticket open right now (the page's timeline poll refreshes it), so two agents
    see each other before both answer the same person."""

    __tablename__ = "ticket_presence"
    ticket_id: int = Field(foreign_key="ticket.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
