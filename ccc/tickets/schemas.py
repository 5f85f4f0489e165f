"""Request and response bodies of the ticket API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ccc.api.params import SOME_TEXT
from ccc.kernel.paging import Page
from ccc.tickets.models import Category, Priority, Sensitivity, TicketStatus


class TicketOut(BaseModel):
    reference: str
    status: str
    category: str
    team: str | None
    priority: str
    sensitivity: str
    channel: str
    language: str | None
    contact_id: int
    assignee: str | None
    answers: dict[str, Any]
    # True when the ticket is sensitive and the caller is not of its team: answers are empty.
    details_hidden: bool = False
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime | None
    first_response_at: datetime | None
    resolution_due: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    tags: list[str] = []
    satisfaction: int | None = None


class TicketPage(Page[TicketOut]):
    pass


class TicketPatch(BaseModel):
    """Any subset of the fields; `assignee: null` unassigns. `notify: false` with a `reason`
    resolves without the automatic message to the person."""

    model_config = ConfigDict(extra="forbid")
    status: TicketStatus | None = None
    priority: Priority | None = None
    team: str | None = Field(None, max_length=64)
    assignee: str | None = Field(None, max_length=120)
    category: Category | None = None
    sensitivity: Sensitivity | None = None
    notify: StrictBool = True
    reason: str | None = Field(None, max_length=1000)
    # Moving a ticket to a programme team although the person said No (supervisors, admins).
    override_reason: str | None = Field(None, max_length=1000)


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Some text, not only spaces: the schema says so, so a client knows before it sends.
    text: str = Field(min_length=1, max_length=4000, pattern=SOME_TEXT)


class EventOut(BaseModel):
    id: int
    kind: str
    actor: str
    data: dict[str, Any]
    created_at: datetime


class TimelineItem(BaseModel):
    """An event (`type: event`: kind, actor, data) or a message (`type: message`: direction,
    channel, text, media, delivery status), oldest first."""

    type: str
    id: int
    created_at: datetime
    kind: str | None = None
    actor: str | None = None
    data: dict[str, Any] | None = None
    direction: str | None = None
    channel: str | None = None
    text: str | None = None
    media: list[dict[str, Any]] | None = None
    status: str | None = None
    error_code: str | None = None
    error_message: str | None = None
