"""The `calls` object of the summary report: counts only, never a number or a voice."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from ccc.calls.models import Call, Callback, Line, Outcome


def call_summary(session: Session, *, start: datetime, end: datetime) -> dict[str, Any]:
    calls = session.exec(
        select(Call).where(
            Call.line == Line.caller, col(Call.started_at) >= start, col(Call.started_at) < end
        )
    ).all()
    outcomes = Counter(call.outcome for call in calls)
    abandoned_at = Counter(call.menu or "unknown" for call in calls if call.outcome == "abandoned")
    waits = [call.wait_seconds for call in calls if call.wait_seconds is not None]
    callbacks = session.exec(
        select(Callback).where(col(Callback.created_at) >= start, col(Callback.created_at) < end)
    ).all()
    results = Counter(callback.result for callback in callbacks)
    return {
        "received": len(calls),
        "answered": outcomes[Outcome.answered],
        "abandoned": outcomes[Outcome.abandoned],
        "abandoned_by_menu": dict(sorted(abandoned_at.items())),
        "voice_messages": outcomes[Outcome.voice_message],
        "status_heard": outcomes[Outcome.status_heard],
        "callbacks_requested": len(callbacks),
        "callbacks_automatic": sum(1 for callback in callbacks if callback.automatic),
        "callbacks_reached": results["reached"],
        "callbacks_not_reached": results["not_reached"] + results["wrong_number"],
        "median_wait_seconds": statistics.median(waits) if waits else None,
    }
