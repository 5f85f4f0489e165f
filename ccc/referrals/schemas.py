"""What the referral routes take and answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ccc.api.params import SOME_TEXT
from ccc.kernel.paging import Page
from ccc.referrals.models import ReferralBase


class ReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    team: str = Field(min_length=1, max_length=64)
    note: str | None = Field(None, max_length=2000)
    override_reason: str | None = Field(None, max_length=1000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, pattern=SOME_TEXT)


class OutcomeIn(BaseModel):
    """`outcome` is internal; `message`, when given, is what the person is told: the closing
    message when this completion resolves the ticket, else a reply on it."""

    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(min_length=1, max_length=4000, pattern=SOME_TEXT)
    message: str | None = Field(None, min_length=1, max_length=4000, pattern=SOME_TEXT)


class ReferralOut(ReferralBase):
    # Every field is in every answer: the schema says so, defaults or not.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)  # type: ignore[assignment]

    id: int
    ticket: str
    team: str
    created_by: str | None
    # True when the ticket is sensitive and the caller may not read its notes: they are null.
    details_hidden: bool = False


class ReferralPage(Page[ReferralOut]):
    pass
