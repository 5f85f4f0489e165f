"""The domain's tables. Enumerations are plain strings checked by the services and the API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from ccc.timeutil import UTCDateTime, utcnow


class Channel(StrEnum):
    sms = "sms"
    whatsapp = "whatsapp"
    telegram = "telegram"
    voice = "voice"
    simulator = "simulator"


PHONE_CHANNELS = frozenset({Channel.sms, Channel.whatsapp, Channel.voice, Channel.simulator})


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


class TicketStatus(StrEnum):
    new = "new"
    open = "open"
    referred = "referred"
    pending = "pending"
    resolved = "resolved"
    closed = "closed"


class Category(StrEnum):
    tracing = "tracing"
    detention = "detention"
    assistance = "assistance"
    complaint = "complaint"
    feedback = "feedback"
    information = "information"
    other = "other"


class Priority(StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Sensitivity(StrEnum):
    normal = "normal"
    sensitive = "sensitive"
    restricted = "restricted"


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
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class TeamMembership(SQLModel, table=True):
    __tablename__ = "team_membership"
    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    team_id: int = Field(foreign_key="team.id", primary_key=True, ondelete="CASCADE")


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    language: str | None = Field(default=None, max_length=8)
    # A number the person confirmed as theirs from a non-phone channel (a Telegram contact).
    verified_phone: str | None = Field(default=None, max_length=20, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Identity(SQLModel, table=True):
    """How a contact reaches us: a channel and an address (E.164 number or Telegram chat id)."""

    __table_args__ = (UniqueConstraint("channel", "address", name="uq_identity_channel_address"),)
    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    channel: str = Field(max_length=20)
    address: str = Field(max_length=64, index=True)
    display_name: str | None = Field(default=None, max_length=200)
    unreachable_reason: str | None = Field(default=None, max_length=200)
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Conversation(SQLModel, table=True):
    """The chatbot's state for one identity."""

    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="identity.id", unique=True)
    flow: str = Field(max_length=64)
    step: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=8)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    invalid_inputs: int = 0
    lookup_failures: int = 0
    lookup_window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lookup_blocked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Ticket(SQLModel, table=True):
    __table_args__ = (
        Index("ix_ticket_queue", "status", "team_id", "created_at"),
        Index("ix_ticket_category", "category"),
        Index("ix_ticket_channel", "channel"),
        Index("ix_ticket_priority", "priority"),
        Index("ix_ticket_assignee", "assignee_id"),
        Index("ix_ticket_contact", "contact_id"),
        Index("ix_ticket_resolution_due", "resolution_due"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=8, unique=True, index=True)
    contact_id: int = Field(foreign_key="contact.id")
    identity_id: int = Field(foreign_key="identity.id")
    channel: str = Field(max_length=20)
    language: str | None = Field(default=None, max_length=8)
    category: str = Field(max_length=20)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    status: str = Field(default=TicketStatus.new, max_length=20)
    priority: str = Field(default=Priority.normal, max_length=20)
    sensitivity: str = Field(default=Sensitivity.normal, max_length=20)
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_response_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TicketEvent(SQLModel, table=True):
    """The append-only timeline: who did what to a ticket, and when."""

    __tablename__ = "ticket_event"
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=40)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(max_length=120)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Message(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_message_channel_external_id"),
        Index("ix_message_identity", "identity_id", "id"),
        Index("ix_message_contact", "contact_id", "id"),
        Index("ix_message_ticket", "ticket_id", "id"),
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
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    buttons: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
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


class OutboxJob(SQLModel, table=True):
    """Work owed after a commit. Written in the same transaction as the row it is about, so an
    accepted message is never lost when Redis or a worker is down: a sweep picks it up again."""

    __tablename__ = "outbox_job"
    __table_args__ = (Index("ix_outbox_due", "status", "available_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    available_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    enqueued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A two-phase job is `running` while its network call is in flight, outside any transaction;
    # past this moment its worker is presumed dead and the sweep hands the job out again.
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ReferralStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    completed = "completed"


class Referral(SQLModel, table=True):
    """A ticket sent from the centre to a programme team, with its own answer and SLA."""

    __table_args__ = (
        Index("ix_referral_team_status", "team_id", "status"),
        Index("ix_referral_ticket", "ticket_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    team_id: int = Field(foreign_key="team.id")
    status: str = Field(default=ReferralStatus.pending, max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    consent_override_reason: str | None = Field(default=None, max_length=1000)
    reason: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, max_length=4000)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    answered_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
