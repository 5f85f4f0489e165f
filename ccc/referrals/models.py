"""Referrals from the centre to programme teams."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from ccc.kernel.timeutil import UTCDateTime, utcnow


class ReferralStatus(StrEnum):
    pending = "pending"
    accepted = "accepted"
    rejected = "rejected"
    completed = "completed"
    # Settled without an answer: the ticket was closed, resolved or restricted meanwhile.
    cancelled = "cancelled"


class ReferralBase(SQLModel):
    """What the API shows of a referral (names added by `ReferralOut`); the table adds its keys.
    The notes and reasons are shown only to a reader who may see the ticket's details."""

    status: str = Field(default=ReferralStatus.pending, max_length=20)
    note: str | None = Field(default=None, max_length=2000)
    consent_override_reason: str | None = Field(default=None, max_length=1000)
    reason: str | None = Field(default=None, max_length=2000)
    outcome: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Referral(ReferralBase, table=True):
    """A ticket sent from the centre to a programme team, with its own answer and SLA."""

    __table_args__ = (
        Index("ix_referral_team_status", "team_id", "status"),
        Index("ix_referral_ticket", "ticket_id"),
        Index("ix_referral_status_due", "status", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    team_id: int = Field(foreign_key="team.id")
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    answered_by_id: int | None = Field(default=None, foreign_key="user.id")
    overdue_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
