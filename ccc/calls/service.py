"""Call records, voice messages and callbacks: what the voice line makes durable.

The IVR (`workflows/ivr/keypad.py`) decides what a caller hears; these services store what happened,
keyword-only after the session and never committing, like every service of the core. It is
about 400 lines because a call's record, its voice message and its callback are written in the
same few transactions; the callback ladder itself lives in `callbacks.py`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from ccc.access.auth import caller_for_user
from ccc.access.models import User
from ccc.access.policy import Caller, visible_tickets
from ccc.calls.callbacks import first_due
from ccc.calls.models import (
    Call,
    Callback,
    Line,
    Outcome,
    Recording,
)
from ccc.calls.report import without_restricted_calls
from ccc.contacts.models import Identity
from ccc.contacts.service import voice_identity
from ccc.kernel.db import add_unless_present
from ccc.kernel.phone import mask
from ccc.kernel.timeutil import utcnow
from ccc.kernel.vault import seal_text
from ccc.messages.models import Direction, Message, MessageStatus
from ccc.tickets.models import Category, Ticket, TicketStatus
from ccc.tickets.service import create_ticket, record

log = logging.getLogger(__name__)

VOICE = "voice"
_CALLERS_KEY = "ccc.calls.callers"
# The job kind that moves a recording from Twilio to the centre's own storage (its steps are
# the Twilio adapter's: bots/twilio/recordings.py).
KEEP_RECORDING = "keep_recording"
CENTRE_ZONE = ZoneInfo("Asia/Baghdad")
MAX_PATH = 500
TRANSCRIBED = "completed"  # Twilio's TranscriptionStatus when the words are there
MAX_TRANSCRIPT = 20_000


_FIND_CALL = select(Call).where(Call.call_sid == bindparam("b_call_sid"))  # built once


def find_call(session: Session, *, call_sid: str) -> Call | None:
    return session.exec(_FIND_CALL, params={"b_call_sid": call_sid}).first()


def start_call(
    session: Session, *, call_sid: str, phone: str | None, line: str = Line.caller
) -> Call:
    """The record of a call, created at its first request (a repeated first request finds it).

    One `INSERT … ON CONFLICT DO NOTHING RETURNING id`, the record put in the session as
    written (`add_unless_present`): a look-up, a savepoint, the insert and its release were
    four statements on every call."""
    identity = voice_identity(session, phone=phone) if phone else None
    if identity is not None:
        # The line reads the caller right after (`caller_identity`): without the hold, a
        # second SELECT.
        _hold(session, identity)
    call = Call(call_sid=call_sid, line=line, identity_id=identity.id if identity else None)
    if not add_unless_present(session, call, keys=("call_sid",)):
        # A repeated first request, or one racing it.
        existing = find_call(session, call_sid=call_sid)
        assert existing is not None
        return existing
    log.info("call %s on the %s line from %s", call.id, line, mask(phone or ""))
    return call


def withheld(call_sid: str) -> str:
    """The address of a caller who withheld their number: this call only."""
    return f"withheld:{call_sid}"[:64]


def can_reach(identity: Identity | None) -> bool:
    """Whether CCC can call or text this caller back (a real number, not a withheld one)."""
    return identity is not None and identity.address.startswith("+")


def caller_identity(session: Session, *, call: Call) -> Identity | None:
    """The caller, held for the transaction once read: the session's identity map is weak, and
    a call's end read it three times (whether to call back, the callback, its ticket)."""
    identity = session.get(Identity, call.identity_id) if call.identity_id else None
    if identity is not None:
        _hold(session, identity)
    return identity


def _hold(session: Session, identity: Identity) -> None:
    """Keep the caller for the session: its identity map is weak, and a caller dropped from it
    is read again by the next `session.get`."""
    session.info.setdefault(_CALLERS_KEY, {})[identity.id] = identity


def add_keys(call: Call, digits: str) -> None:
    """The path of keys: each answer once, a keyed reference ended by its '#'."""
    shown = digits if len(digits) <= 1 else f"{digits}#"
    call.path = f"{call.path} {shown or '-'}".strip()[-MAX_PATH:]


def finish(session: Session, *, call: Call, outcome: str, ticket: Ticket | None = None) -> None:
    call.outcome = outcome
    if ticket is not None:
        call.ticket_id = ticket.id
    call.stage = "done"
    session.add(call)


@dataclass(frozen=True)
class VoiceMessage:
    recording_sid: str
    duration: int
    twilio_url: str | None
    # What the simulator's keypad "leaves" instead of a voice; None for a real recording.
    words: str | None = None


def find_recording(session: Session, *, recording_sid: str) -> Recording | None:
    return session.exec(select(Recording).where(Recording.recording_sid == recording_sid)).first()


def file_voice_message(
    session: Session,
    *,
    call: Call,
    category: str,
    language: str | None,
    answers: dict[str, Any],
    voice: VoiceMessage,
) -> tuple[Ticket, bool]:
    """One ticket per recording, however often Twilio delivers its callback.

    Returns the ticket and whether it is new. The message on the ticket points at CCC's own
    streaming URL; Twilio's URL stays on the recording row, out of every API answer.
    """
    known = find_recording(session, recording_sid=voice.recording_sid)
    if known is not None:
        ticket = session.get(Ticket, known.ticket_id)
        assert ticket is not None
        return ticket, False
    identity = caller_identity(session, call=call)
    if identity is None:
        raise LookupError(f"call {call.id} has no caller number")
    kept = {
        **answers,
        "voice_message": {"recording": voice.recording_sid, "seconds": voice.duration},
    }
    ticket = create_ticket(
        session, identity=identity, category=category, language=language, answers=kept
    )
    assert ticket.id is not None and call.id is not None
    message = _voice_message(session, identity=identity, ticket_id=ticket.id, voice=voice)
    session.add(
        Recording(
            recording_sid=voice.recording_sid,
            call_id=call.id,
            ticket_id=ticket.id,
            message_id=message.id,
            duration=voice.duration,
            twilio_url=voice.twilio_url,
        )
    )
    finish(session, call=call, outcome=Outcome.voice_message, ticket=ticket)
    return ticket, True


def _voice_message(
    session: Session, *, identity: Identity, ticket_id: int, voice: VoiceMessage
) -> Message:
    """The voice message on the ticket's timeline, linking to CCC's stream, never Twilio's."""
    message = Message(
        contact_id=identity.contact_id,
        identity_id=identity.id or 0,
        ticket_id=ticket_id,
        direction=Direction.inbound,
        channel=VOICE,
        external_id=voice.recording_sid,
        text=voice.words or f"(voice message, {voice.duration} s)",
        media=[
            {
                "kind": "voice",
                "url": f"/api/recordings/{voice.recording_sid}",
                "content_type": "audio/wav",
            }
        ],
        status=MessageStatus.received,
        processed_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def store_transcript(
    session: Session, *, recording_sid: str, status: str, text: str, keys: str | None
) -> Recording | None:
    """Twilio's transcription of a voice message (its transcribeCallback).

    None for a recording CCC does not know: the caller ignores it. A repeated delivery stores
    the same words again, and a late failure never erases words already stored. The words are
    as sensitive as the voice: they are never logged, the timeline notes only that they
    arrived, and they are kept sealed under `CCC_RECORDINGS_KEY` (`keys`); without a key
    (transcription asked of Twilio by hand, not by CCC) the words are not kept at all.
    """
    found = find_recording(session, recording_sid=recording_sid)
    if found is None:
        return None
    if found.transcript is not None and status != TRANSCRIBED:
        return found
    first = found.transcript_status is None
    found.transcript_status = status
    words = text[:MAX_TRANSCRIPT] if status == TRANSCRIBED and keys else None
    found.transcript = seal_text(keys, words) if keys and words is not None else None
    found.transcribed_at = utcnow()
    session.add(found)
    ticket = session.get(Ticket, found.ticket_id)
    if first and ticket is not None:
        record(
            session,
            ticket=ticket,
            kind="recording.transcribed",
            caller=_line(),
            recording=recording_sid,
            status=status,
        )
    log.info("transcription of recording %s: %s", found.id, status)
    return found


def request_callback(
    session: Session,
    *,
    call: Call,
    language: str | None,
    safe_to_call: bool | None,
    may_leave_message: bool | None,
    automatic: bool = False,
) -> tuple[Ticket, Callback]:
    """A callback on the centre's list, with its ticket for the centre's own agents."""
    identity = caller_identity(session, call=call)
    if identity is None:
        raise LookupError(f"call {call.id} has no caller number")
    answers: dict[str, Any] = {"request": "callback", "call": call.call_sid}
    if automatic:
        answers["automatic"] = True
    else:
        answers.update(safe_to_call=safe_to_call, may_leave_message=may_leave_message)
    ticket = create_ticket(
        session, identity=identity, category=Category.other, language=language, answers=answers
    )
    assert ticket.id is not None and identity.id is not None
    now = utcnow()  # one instant: a callback made while the centre is open is due as it is made
    callback = Callback(
        created_at=now,
        ticket_id=ticket.id,
        identity_id=identity.id,
        phone=identity.address,
        language=language,
        safe_to_call=safe_to_call,
        may_leave_message=may_leave_message,
        automatic=automatic,
        due_at=first_due(now),
    )
    session.add(callback)
    session.flush()
    record(
        session, ticket=ticket, kind="callback.requested", caller=_line(), callback_id=callback.id
    )
    if not automatic:
        finish(session, call=call, outcome=Outcome.callback_requested, ticket=ticket)
    return ticket, callback


def _line() -> Any:
    return Caller(user_id=None, name="voice line", role="system")


def end_call(session: Session, *, call_sid: str, status: str, duration: int | None) -> Call | None:
    """Twilio's final word on a call; a caller who reached nobody is called back once a day."""
    call = find_call(session, call_sid=call_sid)
    if call is None:
        return None
    call.twilio_status = status[:20]
    if duration is not None:
        call.duration = duration
    if status in {"completed", "busy", "failed", "no-answer", "canceled"} and not call.ended_at:
        call.ended_at = utcnow()
        if call.outcome is None:
            call.outcome = Outcome.abandoned
            if call.line == Line.caller:
                _call_back_if_unreached(session, call)
    session.add(call)
    return call


def record_turned_away(
    session: Session,
    *,
    call_sid: str,
    phone: str | None,
    at: datetime,
    status: str | None = None,
    duration: int | None = None,
) -> Call | None:
    """A call told "all our lines are busy" in a surge, written after the fact: the busy answer
    itself writes nothing (that is the work it sheds), and `bots.twilio.turned_away` hands its
    calls over once the surge eases, with Twilio's status and duration if its status callback
    came first. None when the call is known already (a repeated first request that was taken,
    or a batch written twice)."""
    if find_call(session, call_sid=call_sid) is not None:
        return None
    identity = voice_identity(session, phone=phone) if phone else None
    if identity is not None:
        _hold(session, identity)
    call = Call(
        call_sid=call_sid,
        line=Line.caller,
        identity_id=identity.id if identity else None,
        outcome=Outcome.turned_away,
        started_at=at,
        ended_at=at,
        twilio_status=status[:20] if status else None,
        duration=duration,
    )
    session.add(call)
    session.flush()
    return call


def call_back_turned_away(session: Session, *, call_id: int) -> Callback | None:
    """A caller turned away in a surge reached nobody: called back as an abandoned caller is,
    once a day, unless an agent answered them today. Run by a worker after the surge's
    webhooks (`ccc.calls.tasks`), so that the callback's ticket is not made in the surge."""
    call = session.get(Call, call_id)
    if call is None or call.outcome != Outcome.turned_away:
        return None
    return _call_back_if_unreached(session, call)


def _call_back_if_unreached(session: Session, call: Call) -> Callback | None:
    """The automatic callback of a caller who reached nobody, if it is their first today."""
    if not _first_unreached_today(session, call):
        return None
    _ticket, callback = request_callback(
        session,
        call=call,
        language=call.language,
        safe_to_call=None,
        may_leave_message=None,
        automatic=True,
    )
    return callback


def _first_unreached_today(session: Session, call: Call) -> bool:
    """No agent answered this number on the call's day (Baghdad time) or since, and no
    automatic callback was made for it since that day began. The call's day, not the clock's:
    a call turned away before midnight may be called back after it."""
    identity = caller_identity(session, call=call)
    if identity is None or not can_reach(identity):
        return False
    started = call.started_at.astimezone(CENTRE_ZONE)
    day_start = started.replace(hour=0, minute=0, second=0, microsecond=0)
    either = session.exec(
        _REACHED_SINCE,
        params={"b_identity_id": identity.id, "b_phone": identity.address, "b_since": day_start},
    ).one()
    return not either


# Built once (every abandoned call's end asks it): "answered by an agent, or called back
# automatically, since `b_since`".
_REACHED_SINCE = select(
    or_(
        exists().where(
            col(Call.identity_id) == bindparam("b_identity_id"),
            col(Call.outcome) == Outcome.answered,
            col(Call.started_at) >= bindparam("b_since"),
        ),
        exists().where(
            col(Callback.phone) == bindparam("b_phone"),
            col(Callback.automatic).is_(True),
            col(Callback.created_at) >= bindparam("b_since"),
        ),
    )
)


def queue_call(session: Session, *, call: Call) -> None:
    call.stage = "queued"
    call.queued_at = utcnow()
    call.menu = "queue"
    session.add(call)


def longest_waiting(session: Session) -> Call | None:
    return session.exec(
        select(Call)
        .where(
            Call.line == Line.caller,
            Call.stage == "queued",
            col(Call.ended_at).is_(None),
        )
        .order_by(col(Call.queued_at))
    ).first()


def left_queue(call: Call) -> None:
    if call.queued_at is not None and call.wait_seconds is None:
        call.wait_seconds = int((utcnow() - call.queued_at).total_seconds())
    if call.stage == "queued":
        call.stage = None


def answered_by(session: Session, *, call: Call, agent_call_sid: str | None) -> None:
    """The caller was taken from the queue: by the agent whose agent-line call took them."""
    left_queue(call)
    agent_call = find_call(session, call_sid=agent_call_sid) if agent_call_sid else None
    if agent_call is not None and agent_call.agent_id is not None:
        call.answered_by_id = agent_call.agent_id
    call.outcome = Outcome.answered
    call.stage = "done"
    session.add(call)


def open_tickets(
    session: Session, *, identity: Identity | None, reader: User, focal_team: str
) -> int:
    """How many open requests the waiting caller has, as `reader` (the agent about to take
    the call) may know: counted through the queue's visibility, so a restricted case is not
    one more request read to an agent outside the focal team."""
    if identity is None:
        return 0
    closed = [TicketStatus.resolved, TicketStatus.closed]
    caller = caller_for_user(session, user=reader)
    query = visible_tickets(caller, focal_team=focal_team).where(
        Ticket.contact_id == identity.contact_id, col(Ticket.status).not_in(closed)
    )
    return len(session.exec(query).all())


def call_log(
    *, with_restricted: bool, start: datetime | None = None, end: datetime | None = None
) -> SelectOfScalar[Call]:
    """The calls to the centre's line, started in [start, end), to page through; without those
    of a restricted case unless the reader may see them (absent, not blanked: a path tells the
    case)."""
    query = select(Call).where(Call.line == Line.caller)
    if not with_restricted:
        query = without_restricted_calls(query)
    if start:
        query = query.where(col(Call.started_at) >= start)
    if end:
        query = query.where(col(Call.started_at) < end)
    return query
