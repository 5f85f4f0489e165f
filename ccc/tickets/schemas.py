"""Request and response bodies of the ticket API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from ccc.api.params import SOME_TEXT
from ccc.kernel.paging import Page
from ccc.tickets.models import Category, Priority, Sensitivity, TicketBase, TicketStatus


class TicketPublic(TicketBase):
    """A ticket as the API shows it: team and assignee by name, the answers only to a caller who
    may see them (`details_hidden` says when they were withheld)."""

    # Every field is in every answer: the schema says so, defaults or not.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)  # type: ignore[assignment]

    team: str | None
    assignee: str | None
    answers: dict[str, Any]
    details_hidden: bool = False


class TicketPage(Page[TicketPublic]):
    pass


class TicketPatch(BaseModel):
    """Any subset of the fields; `assignee: null` unassigns. `notify: false` with a `reason`
    resolves without the automatic message to the person; `message` with `status: resolved`
    sends that text as the closing message instead of the standard notice."""

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
    # With `status: resolved`: the closing message to the person, in place of the standard one.
    message: str | None = Field(None, min_length=1, max_length=4000, pattern=SOME_TEXT)


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


class BulkIn(BaseModel):
    """The same `changes` as `PATCH /api/tickets/{reference}`, on each of `references`."""

    model_config = ConfigDict(extra="forbid")
    references: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        min_length=1, max_length=100
    )
    changes: TicketPatch


class BulkResult(BaseModel):
    """One reference's outcome: `status` 200 with the `ticket` as changed, or the error's
    status (404, 403, 409, 422) with its `detail`; nothing of that ticket changed then."""

    reference: str
    status: int
    detail: str | None = None
    ticket: TicketPublic | None = None


class BulkOut(BaseModel):
    results: list[BulkResult]
