"""Calls to the toll-free line, their recordings, and the callback list agents work."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from ccc.kernel.timeutil import UTCDateTime, utcnow


class Line(StrEnum):
    caller = "caller"  # the toll-free number
    agent = "agent"  # the agent line: an agent taking the next caller


class Outcome(StrEnum):
    """How a call ended, as the call record and the reports count it."""

    answered = "answered"  # by an agent (see `answered_by_id`)
    voice_message = "voice_message"
    callback_requested = "callback_requested"
    status_heard = "status_heard"
    abandoned = "abandoned"  # hung up before any of the above (see `menu`)
    # Told "all our lines are busy" in a surge, before any menu (bots/twilio/turned_away.py).
    turned_away = "turned_away"
    refused = "refused"  # the agent line, from a number that is no agent's


class Call(SQLModel, table=True):
    __table_args__ = (
        Index("ix_call_started", "started_at"),
        Index("ix_call_identity", "identity_id", "started_at"),
        Index("ix_call_queue", "line", "queued_at"),
        # Retention and erasure find a ticket's calls by it (revision 0015_retain5).
        Index("ix_call_ticket", "ticket_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    call_sid: str = Field(max_length=64, unique=True)
    line: str = Field(default=Line.caller, max_length=10)
    identity_id: int | None = Field(default=None, foreign_key="identity.id")
    language: str | None = Field(default=None, max_length=8)
    # The keys pressed, in order, as one string ("2 1 5 48219930#").
    path: str = Field(default="", max_length=500)
    # The IVR's own step outside the flow (recording, person, callback questions), else None.
    stage: str | None = Field(default=None, max_length=40)
    # The category a voice message will be filed under, noted when the caller picked it.
    category: str | None = Field(default=None, max_length=20)
    # The menu or step the caller was last at: "abandoned at which menu".
    menu: str | None = Field(default=None, max_length=60)
    misses: int = Field(default=0)
    safe_to_call: bool | None = None
    outcome: str | None = Field(default=None, max_length=30)
    twilio_status: str | None = Field(default=None, max_length=20)
    duration: int | None = None
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    answered_by_id: int | None = Field(default=None, foreign_key="user.id")
    # On the agent line: the agent who called in.
    agent_id: int | None = Field(default=None, foreign_key="user.id")
    queued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    wait_seconds: int | None = None
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Recording(SQLModel, table=True):
    """A voice message. Twilio's URL stays here: people stream it only through CCC."""

    id: int | None = Field(default=None, primary_key=True)
    recording_sid: str = Field(max_length=64, unique=True)
    call_id: int = Field(foreign_key="call.id", index=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    duration: int = Field(default=0)
    twilio_url: str | None = Field(default=None, max_length=500)
    # Set once CCC keeps the file itself (CCC_VOICE_RECORDINGS_DIR) and Twilio's copy is deleted.
    stored_file: str | None = Field(default=None, max_length=200)
    # Twilio's transcription (CCC_VOICE_TRANSCRIBE=on), as sensitive as the voice itself: read
    # only through the access layer, never logged.
    transcript: str | None = Field(default=None, sa_type=Text)
    transcript_status: str | None = Field(default=None, max_length=20)
    transcribed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CallbackStatus(StrEnum):
    open = "open"
    done = "done"


class AttemptOutcome(StrEnum):
    reached = "reached"
    no_answer = "no_answer"
    busy = "busy"
    unsafe = "unsafe"
    wrong_number = "wrong_number"


class Callback(SQLModel, table=True):
    __table_args__ = (
        Index("ix_callback_status", "status", "due_at"),
        Index("ix_callback_phone_day", "phone", "created_at"),
        # Retention and erasure find a person's callbacks by it (revision 0015_retain5).
        Index("ix_callback_identity", "identity_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    identity_id: int = Field(foreign_key="identity.id")
    phone: str = Field(max_length=64)
    language: str | None = Field(default=None, max_length=8)
    # None: never asked (an automatic callback after an abandoned call).
    safe_to_call: bool | None = None
    may_leave_message: bool | None = None
    automatic: bool = False
    attempts: int = Field(default=0)
    unanswered: int = Field(default=0)
    status: str = Field(default=CallbackStatus.open, max_length=10)
    # reached, not_reached, unsafe, wrong_number: why it is done.
    result: str | None = Field(default=None, max_length=20)
    due_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class CallbackAttempt(SQLModel, table=True):
    __tablename__ = "callback_attempt"
    id: int | None = Field(default=None, primary_key=True)
    callback_id: int = Field(foreign_key="callback.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    outcome: str = Field(max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
