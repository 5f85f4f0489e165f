"""Saved replies: answers the centre gives often, kept once in each of its four languages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from ccc.kernel.defaults import empty_dict
from ccc.kernel.timeutil import UTCDateTime, utcnow

LANGUAGES = ("ar", "ckb", "kmr", "en")
# Replaced by the ticket's reference when an agent inserts the reply.
REFERENCE_PLACEHOLDER = "{reference}"


class SavedReply(SQLModel, table=True):
    __tablename__ = "saved_reply"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    # {"ar": …, "ckb": …, "kmr": …, "en": …}: every language present, none blank.
    texts: dict[str, str] = Field(
        default_factory=empty_dict, sa_column=Column(JSON, nullable=False)
    )
    created_by_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
