"""What changed among the tickets, for the console's live streams (`GET /console/events`).

A row per change, written in the transaction of the change itself: a webhook handled by a
worker process reaches the streams of every web process through the database, whichever
process made the change. Rows are kept for minutes only; they are signals, not history (the
timeline is the history)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from ccc.kernel.timeutil import UTCDateTime, utcnow


class LiveEvent(SQLModel, table=True):
    __tablename__ = "live_event"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", ondelete="CASCADE")
    # message, ticket, assignment, status, sla
    kind: str = Field(max_length=20)
    # For a message: `in` (the person wrote) or `out` (the centre answered).
    direction: str | None = Field(default=None, max_length=3)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
