"""The transactional outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from ccc.kernel.defaults import empty_dict
from ccc.kernel.timeutil import UTCDateTime, utcnow


class OutboxJob(SQLModel, table=True):
    """Work owed after a commit. Written in the same transaction as the row it is about, so an
    accepted message is never lost when Redis or a worker is down: a sweep picks it up again."""

    __tablename__ = "outbox_job"
    __table_args__ = (Index("ix_outbox_due", "status", "available_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    payload: dict[str, Any] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
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
