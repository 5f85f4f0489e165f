"""The chatbot's state per identity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ccc.kernel.defaults import empty_dict
from ccc.kernel.timeutil import UTCDateTime, utcnow


class Conversation(SQLModel, table=True):
    """The chatbot's state for one identity."""

    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="identity.id", unique=True)
    flow: str = Field(max_length=64)
    step: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    answers: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    invalid_inputs: int = 0
    lookup_failures: int = 0
    lookup_window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lookup_blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
