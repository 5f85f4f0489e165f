"""`0` on the main menu: an agent within opening hours, else a voice message or a safe
callback; the queue's wait and result; and the agent line taking the longest-waiting caller."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from ccc.access.service import agent_for_phone
from ccc.calls import service as calls
from ccc.calls.models import Line as LineKind
from ccc.calls.models import Outcome
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from workflows.calendars.callback_time import when_we_call
from workflows.chatbot.turn import FALLBACK_LANGUAGE
from workflows.files.library import Library, current
from workflows.ivr.line import MAX_MISSES, Line, Screen, offer_message, read_back, record
from workflows.ivr.voice_prompts import AGENT_LANGUAGE, FALLBACK, Speech, voice_prompts

PERSON_STAGES = ("person", "callback_safe", "callback_message")


def person(line: Line) -> Screen:
    """`0`: an agent within opening hours, else a voice message or a callback."""
    line.call.menu = "person"
    if not calls.can_reach(line.identity):
        return record(line, "other")
    if centre_open(line.library, utcnow()):
        calls.queue_call(line.session, call=line.call)
        return Screen((line.say("person_hold"),), "enqueue", action="queue")
    line.call.stage = "person"
    line.call.misses = 0
    return person_question(line, "person")


def centre_open(library: Library, at: datetime) -> bool:
    calendar = library.calendars.get("centre")
    return calendar.is_open(at) if calendar is not None else False


_QUESTIONS = {
    "person": "person_choice",
    "callback_safe": "callback_safe",
    "callback_message": "callback_message",
}


def person_question(line: Line, stage: str, said: list[Speech] | None = None) -> Screen:
    line.call.stage = stage
    line.session.add(line.call)
    question = line.say(_QUESTIONS[stage])
    return Screen(tuple((said or []) + [question]), "gather", digits=1)


def person_answer(line: Line, digits: str) -> Screen:
    call = line.call
    if digits not in ("1", "2"):
        call.misses += 1
        if call.misses >= MAX_MISSES:
            return offer_message(line, "other")
        return person_question(line, call.stage or "person", [line.say("invalid_choice")])
    call.misses = 0
    if call.stage == "person":
        if digits == "1":
            return record(line, "other")
        return person_question(line, "callback_safe")
    if call.stage == "callback_safe":
        if digits == "2":
            call.safe_to_call = False
            return record(line, "other", [line.say("not_safe")])
        call.safe_to_call = True
        return person_question(line, "callback_message")
    ticket, _callback = calls.request_callback(
        line.session,
        call=call,
        language=call.language,
        safe_to_call=True,
        may_leave_message=digits == "1",
    )
    # As the text channels say it: when, from the centre's opening hours.
    library = current()
    language, now = call.language or FALLBACK_LANGUAGE, utcnow()
    when = when_we_call(library.calendars, library.prompts, language, now)
    # A Kurdish caller without a recording hears the Arabic voice: the time in Arabic too.
    in_arabic = when_we_call(library.calendars, library.prompts, FALLBACK, now)
    return read_back(line, ticket, "callback_saved", when=when, in_arabic={"when": in_arabic})


def queue_wait(session: Session, *, call_sid: str, position: int, waited: int) -> Screen:
    """Music on hold, Twilio-style: said again each time the wait document ends."""
    call = calls.find_call(session, call_sid=call_sid)
    if call is None:
        return Screen((), "leave")
    line = Line(session, call)
    if waited >= get_runtime().settings.voice_queue_wait_seconds:
        return Screen((), "leave")
    speech = (line.say("queue_position", position=str(max(position, 1))), line.say("person_hold"))
    return Screen(speech, "wait")


def queue_result(session: Session, *, call_sid: str, result: str) -> Screen:
    """The caller left the queue: bridged to an agent, hung up, or waited too long."""
    call = calls.find_call(session, call_sid=call_sid)
    if call is None:
        return Screen((), "hangup")
    line = Line(session, call)
    if result in {"bridged", "bridging-in-process"}:
        return Screen((line.say("goodbye"),), "hangup")
    calls.left_queue(call)
    if result == "hangup":
        session.add(call)
        return Screen((), "hangup")
    call.stage = "person"
    call.misses = 0
    return person_question(line, "person")


def connect(session: Session, *, call_sid: str, agent_call_sid: str | None) -> Screen:
    """Said to the caller as an agent takes them from the queue."""
    call = calls.find_call(session, call_sid=call_sid)
    if call is None:
        return Screen((), "hangup")
    calls.answered_by(session, call=call, agent_call_sid=agent_call_sid)
    return Screen((Line(session, call).say("connecting"),), "connect")


def agent_line(session: Session, *, call_sid: str, phone: str | None, focal_team: str) -> Screen:
    """A registered agent's phone takes the longest-waiting caller; any other is refused.
    The open requests read to the agent are those the agent may see (`focal_team`)."""
    agent = agent_for_phone(session, phone=phone)
    call = calls.start_call(session, call_sid=call_sid, phone=None, line=LineKind.agent)
    voice = voice_prompts(current())
    if agent is None:
        calls.finish(session, call=call, outcome=Outcome.refused)
        return Screen((voice.speech(AGENT_LANGUAGE, "agent_refused"),), "hangup")
    call.agent_id = agent.id
    session.add(call)
    waiting = calls.longest_waiting(session)
    if waiting is None:
        return Screen((voice.speech(AGENT_LANGUAGE, "agent_no_caller"),), "hangup")
    identity = calls.caller_identity(session, call=waiting)
    language = current().prompts.name(waiting.language or FALLBACK_LANGUAGE)
    tickets = str(
        calls.open_tickets(session, identity=identity, reader=agent, focal_team=focal_team)
    )
    whisper = voice.speech(
        AGENT_LANGUAGE, "agent_whisper", {"caller": language, "tickets": tickets}
    )
    return Screen((whisper,), "dial_queue", action="connect")
