"""Contacts and the identities (channel and address) they reach the centre from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from ccc.kernel.timeutil import UTCDateTime, utcnow


class Contact(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    language: str | None = Field(default=None, max_length=8)
    # A number the person confirmed as theirs from a non-phone channel (a Telegram contact).
    verified_phone: str | None = Field(default=None, max_length=20, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When retention or `ccc contact forget` dropped the person's addresses and names.
    anonymised_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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
