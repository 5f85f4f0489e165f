"""The callback list: agents record each attempt; three unanswered ones end the ladder.

Attempts are spread over the centre's opening hours: after one that did not reach the person,
the callback is due again two working hours later (the `centre` calendar).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ccc.access.policy import STAFF, Caller, visible_tickets
from ccc.calls.models import AttemptOutcome, Callback, CallbackAttempt, CallbackStatus
from ccc.contacts.models import Contact, Identity
from ccc.jobs.outbox import schedule
from ccc.kernel import ports
from ccc.kernel.errors import Conflict, Forbidden, NotFound
from ccc.kernel.timeutil import utcnow
from ccc.tickets import waiting
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import Changes, apply_changes, parse_enum, record

UNANSWERED_LIMIT = 3
RETRY_AFTER = timedelta(hours=2)
NOT_REACHED = "callback_not_reached"
_UNANSWERED = {AttemptOutcome.no_answer, AttemptOutcome.busy}


def next_due(now: datetime) -> datetime:
    calendar = ports.engine().opening_hours("centre")
    if calendar is None:
        return now + RETRY_AFTER
    return calendar.add(now, RETRY_AFTER)


def first_due(now: datetime) -> datetime:
    """A new callback is due now within opening hours, else when the centre opens."""
    calendar = ports.engine().opening_hours("centre")
    if calendar is None or calendar.is_open(now):
        return now
    return calendar.next_open(now) or now


def require_staff(caller: Caller) -> None:
    if caller.role not in STAFF:
        raise Forbidden("calls and callbacks are for agents, supervisors and admins")


def visible_callbacks(caller: Caller, *, focal_team: str) -> SelectOfScalar[Callback]:
    """Callbacks of the tickets this caller may see: a restricted case's callback is as
    invisible as its ticket."""
    visible = visible_tickets(caller, focal_team=focal_team)
    return select(Callback).where(
        col(Callback.ticket_id).in_(visible.with_only_columns(col(Ticket.id)))
    )


def attempt(
    session: Session,
    *,
    caller: Caller,
    callback_id: int,
    outcome: str,
    focal_team: str,
    note: str | None = None,
) -> Callback:
    """What the API and the console both call: staff only, and a callback of a ticket the
    caller may not see is as missing as one that never was."""
    require_staff(caller)
    query = visible_callbacks(caller, focal_team=focal_team).where(Callback.id == callback_id)
    if session.exec(query).first() is None:
        raise NotFound("callback not found")
    return record_attempt(
        session, callback_id=callback_id, outcome=outcome, caller=caller, note=note
    )


def record_attempt(
    session: Session, *, callback_id: int, outcome: str, caller: Caller, note: str | None = None
) -> Callback:
    """One call-back attempt; `reached` and `wrong_number` end the callback at once, and a
    person reached on a `new` ticket makes it `open` (someone of the centre has spoken to them)."""
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
            **({"note": note.strip()} if note and note.strip() else {}),
        )
        if outcome == AttemptOutcome.reached and ticket.status == TicketStatus.new:
            apply_changes(session, ticket=ticket, changes=Changes(status="open"), caller=caller)
        if outcome == AttemptOutcome.reached:
            session.flush()  # the attempt is the answer `waiting.refresh` looks for
            waiting.refresh(session, ticket=ticket)
    return callback


def close(callback: Callback, result: str) -> None:
    callback.status = CallbackStatus.done
    callback.result = result
    callback.closed_at = utcnow()


def request_by_text(
    session: Session,
    *,
    ticket: Ticket,
    language: str | None,
    safe_to_call: bool | None = None,
    may_leave_message: bool | None = None,
    automatic: bool = False,
) -> Callback:
    """A callback asked for on a text channel (`0`, or the chatbot's own after answers it kept
    misunderstanding): on the same list as the phone line's, with the safety answers when the
    flow asked them (None: never asked). One open callback per ticket: asking twice is one
    request."""
    assert ticket.id is not None
    existing = session.exec(
        select(Callback).where(
            Callback.ticket_id == ticket.id, Callback.status == CallbackStatus.open
        )
    ).first()
    if existing is not None:
        return existing
    identity = session.get(Identity, ticket.identity_id)
    assert identity is not None and identity.id is not None
    callback = Callback(
        ticket_id=ticket.id,
        identity_id=identity.id,
        phone=_number_to_call(session, identity),
        language=language,
        safe_to_call=safe_to_call,
        may_leave_message=may_leave_message,
        automatic=automatic,
        due_at=first_due(now := utcnow()),
        created_at=now,
    )
    session.add(callback)
    session.flush()
    record(
        session,
        ticket=ticket,
        kind="callback.requested",
        caller=Caller(user_id=None, name="chatbot", role="system"),
        callback_id=callback.id,
        channel=ticket.channel,
    )
    return callback


def _number_to_call(session: Session, identity: Identity) -> str:
    """The person's number: the identity's own on SMS or WhatsApp; on Telegram the number the
    contact shared or wrote from elsewhere, else the chat id (the agent then replies in writing)."""
    if identity.address.startswith("+"):
        return identity.address
    contact = session.get(Contact, identity.contact_id)
    if contact is not None and contact.verified_phone:
        return contact.verified_phone
    others = session.exec(select(Identity).where(Identity.contact_id == identity.contact_id)).all()
    return next((o.address for o in others if o.address.startswith("+")), identity.address)
