"""Messages in and out, with their delivery status."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlmodel import Field, SQLModel

from ccc.kernel.defaults import empty_list
from ccc.kernel.timeutil import UTCDateTime, utcnow


class Direction(StrEnum):
    inbound = "in"
    outbound = "out"


class MessageStatus(StrEnum):
    received = "received"
    pending = "pending"
    queued = "queued"
    sent = "sent"
    delivered = "delivered"
    undelivered = "undelivered"
    failed = "failed"
    read = "read"
    not_sent = "not_sent"


ERROR_KEPT = "error_message IS NOT NULL"


class Message(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_message_channel_external_id"),
        Index("ix_message_identity", "identity_id", "id"),
        Index("ix_message_contact", "contact_id", "id"),
        Index("ix_message_ticket", "ticket_id", "id"),
        # The few outbound messages still holding a delivery error, which retention clears
        # after its period (revision 0015_retain5): without it, each batch read every message.
        Index(
            "ix_message_error",
            "created_at",
            postgresql_where=sql_text(ERROR_KEPT),
            sqlite_where=sql_text(ERROR_KEPT),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    identity_id: int = Field(foreign_key="identity.id")
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    direction: str = Field(max_length=3)
    channel: str = Field(max_length=20)
    external_id: str | None = Field(default=None, max_length=128)
    text: str = Field(default="")
    media: list[dict[str, Any]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    buttons: list[dict[str, Any]] = Field(
        default_factory=empty_list, sa_column=Column(JSON, nullable=False)
    )
    status: str = Field(max_length=20)
    error_code: str | None = Field(default=None, max_length=40)
    error_message: str | None = Field(default=None, max_length=500)
    author_user_id: int | None = Field(default=None, foreign_key="user.id")
    # Parts of a split SMS already accepted by the provider: a retry resumes after them.
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
