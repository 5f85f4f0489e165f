"""What `/api/calls` and `/api/callbacks` answer and take."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ccc.calls.models import AttemptOutcome


class CallOut(BaseModel):
    call_sid: str
    language: str | None
    path: str
    duration: int | None
    outcome: str | None
    menu: str | None
    answered_by: str | None
    wait_seconds: int | None
    started_at: datetime
    ticket: str | None


class CallPage(BaseModel):
    items: list[CallOut]
    next: str | None


class CallbackOut(BaseModel):
    id: int
    ticket: str | None
    language: str | None
    safe_to_call: bool | None
    may_leave_message: bool | None
    automatic: bool
    attempts: int
    status: str
    result: str | None
    due_at: datetime
    created_at: datetime


class CallbackPage(BaseModel):
    items: list[CallbackOut]
    next: str | None


class AttemptIn(BaseModel):
    outcome: AttemptOutcome
    # What the call was about, for the ticket's timeline (never sent to the person).
    note: str | None = Field(None, max_length=2000)
