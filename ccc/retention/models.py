"""Holds: a ticket that retention and erasure must leave alone (a legal or family request)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ccc.kernel.timeutil import UTCDateTime, utcnow


class TicketHold(SQLModel, table=True):
    """One hold on a ticket, kept after its release so that who held what, and why, stays
    known. A ticket is on hold while one of its holds has no `released_at`."""

    __tablename__ = "ticket_hold"
    __table_args__ = (Index("ix_ticket_hold_ticket", "ticket_id", "released_at"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    reason: str = Field(max_length=1000)
    actor: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    released_by: str | None = Field(default=None, max_length=120)
