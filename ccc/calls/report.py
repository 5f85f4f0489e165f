"""The `calls` object of the summary report: counts only, never a number or a voice.

For a reader outside the focal team, the calls and callbacks of a person with a restricted
case are left out of every figure, as their tickets and messages are: a call that made a
restricted ticket must not show as one more voice message, wait or abandoned call.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from ccc.calls.models import Call, Callback, Line, Outcome
from ccc.contacts.models import Identity
from ccc.tickets.models import Sensitivity, Ticket


def call_summary(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    insider: bool = True,
    coarse: Callable[[Counter[str]], dict[str, int | str]] = dict,
) -> dict[str, Any]:
    """`insider`: the reader belongs to the focal team and sees restricted cases in the
    figures. `coarse` turns a breakdown's small counts into "<5" as the report's other
    breakdowns do."""
    calls = session.exec(_calls(start, end, insider)).all()
    outcomes = Counter(call.outcome for call in calls)
    abandoned_at = Counter(call.menu or "unknown" for call in calls if call.outcome == "abandoned")
    waits = [call.wait_seconds for call in calls if call.wait_seconds is not None]
    callbacks = session.exec(_callbacks(start, end, insider)).all()
    results = Counter(callback.result for callback in callbacks)
    return {
        "received": len(calls),
        "answered": outcomes[Outcome.answered],
        "abandoned": outcomes[Outcome.abandoned],
        "abandoned_by_menu": coarse(Counter(dict(sorted(abandoned_at.items())))),
        "turned_away": outcomes[Outcome.turned_away],
        "voice_messages": outcomes[Outcome.voice_message],
        "status_heard": outcomes[Outcome.status_heard],
        "callbacks_requested": len(callbacks),
        "callbacks_automatic": sum(1 for callback in callbacks if callback.automatic),
        "callbacks_reached": results["reached"],
        "callbacks_not_reached": results["not_reached"] + results["wrong_number"],
        "median_wait_seconds": statistics.median(waits) if waits else None,
    }


def _restricted_identities() -> Any:
    """Every address of a person with a restricted ticket (their calls locate the case)."""
    people = select(Ticket.contact_id).where(Ticket.sensitivity == Sensitivity.restricted)
    return select(Identity.id).where(col(Identity.contact_id).in_(people))


def _restricted_tickets() -> Any:
    return select(Ticket.id).where(Ticket.sensitivity == Sensitivity.restricted)


def _calls(start: datetime, end: datetime, insider: bool) -> SelectOfScalar[Call]:
    query = select(Call).where(
        Call.line == Line.caller, col(Call.started_at) >= start, col(Call.started_at) < end
    )
    return query if insider else without_restricted_calls(query)


def without_restricted_calls(query: SelectOfScalar[Call]) -> SelectOfScalar[Call]:
    """The calls of `query` less those of a person with a restricted case: for every list and
    count read by someone outside the focal team (the API's list, this report)."""
    return query.where(
        or_(
            col(Call.identity_id).is_(None),
            col(Call.identity_id).not_in(_restricted_identities()),
        ),
        or_(col(Call.ticket_id).is_(None), col(Call.ticket_id).not_in(_restricted_tickets())),
    )


def _callbacks(start: datetime, end: datetime, insider: bool) -> SelectOfScalar[Callback]:
    query = select(Callback).where(
        col(Callback.created_at) >= start, col(Callback.created_at) < end
    )
    if not insider:
        query = query.where(
            col(Callback.ticket_id).not_in(_restricted_tickets()),
            col(Callback.identity_id).not_in(_restricted_identities()),
        )
    return query
