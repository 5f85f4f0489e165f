"""Messages as the API and the simulator show them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MessageOut(BaseModel):
    id: int
    direction: str
    channel: str
    text: str
    media: list[dict[str, Any]] = []
    buttons: list[dict[str, Any]] = []
    status: str
    error_code: str | None = None
    created_at: datetime


class SimulatorIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    from_: str = Field(alias="from", min_length=1, max_length=64)
    text: str = Field(default="", max_length=20000)


class Accepted(BaseModel):
    message_id: int
