"""The summary report's answer, described field by field so `/openapi.json` tells a reader
what every figure is. Counts in breakdowns may read "<5": a small count could single out a
person, so it is shown as under the threshold instead."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# A count, or "<N" where a count under the report threshold would point at somebody.
Count = int | str


class SlaCompliance(BaseModel):
    """Shares (0 to 1) of the period's tickets that met each clock; null when none had one."""

    first_response_met: float | None
    resolution_met: float | None


class Satisfaction(BaseModel):
    answers: int
    mean: float | None = Field(description="Mean of the 1–5 answers given in the period.")


class CallFigures(BaseModel):
    received: Count
    answered: Count
    abandoned: Count
    abandoned_by_menu: dict[str, Count]
    turned_away: Count = Field(
        description='Told "all our lines are busy" in a surge (`CCC_VOICE_BUSY_AFTER`); '
        "counted in `received`."
    )
    voice_messages: Count
    status_heard: Count
    callbacks_requested: Count
    callbacks_automatic: Count
    callbacks_reached: Count
    callbacks_not_reached: Count
    median_wait_seconds: float | None


class Summary(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: datetime = Field(alias="from")
    to: datetime
    tickets_created: int
    by_channel: dict[str, Count]
    by_category: dict[str, Count]
    by_team: dict[str, Count]
    by_status: dict[str, Count]
    by_governorate: dict[str, Count]
    messages_received: dict[str, Count]
    calls_received: Count
    calls: CallFigures
    inquiries_resolved: int
    median_first_response_seconds: float | None
    median_resolution_seconds: float | None
    sla: SlaCompliance
    satisfaction: Satisfaction
