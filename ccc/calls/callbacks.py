"""The callback list: agents record each attempt; three unanswered ones end the ladder.

Attempts are spread over the centre's opening hours: after one that did not reach the person,
the callback is due again two working hours later (the `centre` calendar).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session

from ccc.access.policy import Caller
from ccc.calls.models import AttemptOutcome, Callback, CallbackAttempt, CallbackStatus
from ccc.jobs.outbox import schedule
from ccc.kernel.errors import Conflict, NotFound
from ccc.kernel.timeutil import utcnow
from ccc.tickets.models import Ticket
from ccc.tickets.service import parse_enum, record

UNANSWERED_LIMIT = 3
RETRY_AFTER = timedelta(hours=2)
NOT_REACHED = "callback_not_reached"
_UNANSWERED = {AttemptOutcome.no_answer, AttemptOutcome.busy}


def next_due(now: datetime) -> datetime:
    from workflows.library import current

    calendar = current().calendars.get("centre")
    if calendar is None:
        return now + RETRY_AFTER
    return calendar.add(now, RETRY_AFTER)


def first_due(now: datetime) -> datetime:
    """A new callback is due now within opening hours, else when the centre opens."""
    from workflows.library import current

    calendar = current().calendars.get("centre")
    if calendar is None or calendar.is_open(now):
        return now
    return calendar.next_open(now) or now


def record_attempt(session: Session, *, callback_id: int, outcome: str, caller: Caller) -> Callback:
    """One call-back attempt; `reached` and `wrong_number` end the callback at once."""
    outcome = parse_enum(AttemptOutcome, outcome, "outcome")
    callback = session.get(Callback, callback_id, with_for_update=True)
    if callback is None:
        raise NotFound("callback not found")
    if callback.status != CallbackStatus.open:
        raise Conflict(f"callback {callback_id} is already {callback.result or 'done'}")
    now = utcnow()
    session.add(CallbackAttempt(callback_id=callback_id, user_id=caller.user_id, outcome=outcome))
    callback.attempts += 1
    if outcome in (AttemptOutcome.reached, AttemptOutcome.wrong_number):
        close(callback, outcome)
    elif outcome in _UNANSWERED:
        callback.unanswered += 1
        callback.due_at = next_due(now)
        if callback.unanswered >= UNANSWERED_LIMIT:
            schedule(session, NOT_REACHED, callback_id=callback_id)
    else:  # unsafe to talk now: try again later, not counted as unanswered
        callback.due_at = next_due(now)
    session.add(callback)
    ticket = session.get(Ticket, callback.ticket_id)
    if ticket is not None:
        record(
            session,
            ticket=ticket,
            kind="callback.attempt",
            caller=caller,
            outcome=outcome,
            attempt=callback.attempts,
        )
    return callback


def close(callback: Callback, result: str) -> None:
    callback.status = CallbackStatus.done
    callback.result = result
    callback.closed_at = utcnow()
