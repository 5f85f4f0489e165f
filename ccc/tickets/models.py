"""Tickets and their append-only timeline. Enumerations are plain strings, checked by the
services and the API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from ccc.kernel.defaults import empty_dict, empty_list
from ccc.kernel.timeutil import UTCDateTime, utcnow


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


class WaitingOn(StrEnum):
    centre = "centre"
    person = "person"


class Sensitivity(StrEnum):
    normal = "normal"
    sensitive = "sensitive"
    restricted = "restricted"


# The statuses whose clocks run (ccc.sla.service.RUNNING) and the open ones (OPEN), spelled out
# as the queue's filters spell them, so that PostgreSQL sees each partial index's condition in
# the query's own and may use it.
_RUNNING_SQL = "status IN ('new', 'open', 'referred') AND sla_paused_at IS NULL"
_WAITING_SQL = "waiting_on = 'centre'"
_OPEN_SQL = "status IN ('new', 'open', 'pending', 'referred')"


def _partial(name: str, *columns: str, where: str) -> Index:
    condition = text(where)
    return Index(name, *columns, postgresql_where=condition, sqlite_where=condition)


def search_indexes() -> tuple[Index, ...]:
    """The indexes that keep every queue filter and search fast at a million tickets: trigrams
    of the search text (PostgreSQL only: on SQLite an empty partial index stands in its name,
    and a search reads the table), and small partial indexes over the few open tickets for
    `sla=breached` and `waiting=centre` (revision 0014_search3)."""
    return (
        Index(
            "ix_ticket_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            sqlite_where=text("0"),
        ),
        _partial("ix_ticket_breached", "id", where=f"sla_breached_at IS NOT NULL AND {_OPEN_SQL}"),
        _partial("ix_ticket_running_resolution_due", "resolution_due", where=_RUNNING_SQL),
        _partial(
            "ix_ticket_running_first_response_due",
            "first_response_due",
            where=f"{_RUNNING_SQL} AND first_response_at IS NULL",
        ),
        _partial("ix_ticket_running_next_response_due", "next_response_due", where=_RUNNING_SQL),
        _partial("ix_ticket_waiting_centre", "last_inbound_at", "id", where=_WAITING_SQL),
    )


class TicketBase(SQLModel):
    """What every reader of a ticket may know of it: the table adds the internal keys and the SLA
    bookkeeping, the API's `TicketPublic` adds names and the answers it may disclose. One list of
    fields, so the table, the API and `/openapi.json` cannot drift apart."""

    reference: str = Field(max_length=8, unique=True, index=True)
    status: str = Field(default=TicketStatus.new, max_length=20)
    category: str = Field(max_length=20)
    priority: str = Field(default=Priority.normal, max_length=20)
    sensitivity: str = Field(default=Sensitivity.normal, max_length=20)
    channel: str = Field(max_length=20)
    language: str | None = Field(default=None, max_length=8)
    contact_id: int = Field(foreign_key="contact.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    first_response_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_response_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_due: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    tags: list[str] = Field(default_factory=empty_list, sa_type=JSON)
    satisfaction: int | None = Field(default=None)
    # Who owes the next word (`centre`, `person` or None), kept by `ccc.tickets.waiting`.
    waiting_on: str | None = Field(default=None, max_length=10)
    last_inbound_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Ticket(TicketBase, table=True):
    __table_args__ = (
        Index("ix_ticket_queue", "status", "team_id", "created_at"),
        Index("ix_ticket_category", "category"),
        Index("ix_ticket_channel", "channel"),
        Index("ix_ticket_priority", "priority"),
        Index("ix_ticket_assignee", "assignee_id"),
        Index("ix_ticket_contact", "contact_id"),
        # A person's tickets by the identity that wrote: every WhatsApp turn asks whether the
        # centre's texts wait for them (`ccc.messages.tasks.release_held`, 0016_identity).
        Index("ix_ticket_identity", "identity_id"),
        Index("ix_ticket_resolution_due", "resolution_due"),
        Index("ix_ticket_sla_next_check", "sla_next_check"),
        # `waiting=centre`, oldest first: the people waiting longest for an answer.
        Index("ix_ticket_waiting", "waiting_on", "last_inbound_at", "id"),
        *search_indexes(),
    )
    id: int | None = Field(default=None, primary_key=True)
    identity_id: int = Field(foreign_key="identity.id")
    team_id: int | None = Field(default=None, foreign_key="team.id")
    assignee_id: int | None = Field(default=None, foreign_key="user.id")
    answers: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    # A follow-up or a repeated request points at the ticket it continues.
    linked_ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    # SLA bookkeeping, owned by ccc.sla: business time spent `pending` on the person, when the
    # current pause began, the next instant a warning or breach falls due, and what has fired.
    sla_paused_seconds: float = Field(default=0.0)
    sla_paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_next_check: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_breached_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sla_fired: list[str] = Field(default_factory=empty_list, sa_column=Column(JSON, nullable=False))
    # The next-response clock: since when the person's message waits for an agent's reply (None
    # once answered), and the paused time already spent before it began (the due time is public).
    next_response_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_response_paused_before: float = Field(default=0.0)
    satisfaction_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When retention (or an erasure) replaced the ticket's content with tombstones; what the
    # reports count stays (ccc/retention/).
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The answers and the person's messages in the form the chatbot matches words in
    # (`ccc.kernel.text.normalise`), kept by `ccc.tickets.search` at every flush: what `q=`
    # searches, through a trigram index on PostgreSQL.
    search_text: str = Field(default="", sa_type=Text, sa_column_kwargs={"server_default": ""})


# A WhatsApp template went out in place of a text, which waits for the person's reply (held),
# and the text went out once they wrote (sent; `ccc.messages.tasks`). Every WhatsApp turn looks
# for the person's, so they have an index of their own: among a ticket's events they are few,
# and without it PostgreSQL's generic plan of that look-up read the whole event table (revision
# 0016_identity).
HELD_FOR_REPLY = "held_for_reply"
HELD_SENT = "held_sent"
HELD_KINDS = f"kind IN ('{HELD_FOR_REPLY}', '{HELD_SENT}')"


class TicketEvent(SQLModel, table=True):
    """The append-only timeline: who did what to a ticket, and when."""

    __tablename__ = "ticket_event"
    __table_args__ = (
        Index(
            "ix_ticket_event_held",
            "ticket_id",
            postgresql_where=text(HELD_KINDS),
            sqlite_where=text(HELD_KINDS),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    kind: str = Field(max_length=40)
    actor_user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(max_length=120)
    data: dict[str, Any] = Field(default_factory=empty_dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
