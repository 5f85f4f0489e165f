"""The default flow on the telephone: the engine's turns, pressed on a keypad.

Each key a caller presses is one turn of `workflows.engine.run_turn`, so the language menu, the
main menu and every choice are the flow file's own. What the phone cannot do the line does
itself, as a small stage on the call record: a step that asks for free text becomes one voice
message for the whole intake (the category noted from the flow); `0` queues the caller for an
agent within opening hours, or offers a voice message or a callback. Adapters render the
`Screen` returned here (TwiML for Twilio, text for the simulator's keypad).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from ccc.calls import service as calls
from ccc.calls.models import Call, Outcome
from ccc.contacts.models import Identity
from ccc.conversations.models import Conversation
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Direction, Message, MessageStatus
from ccc.tickets.models import Ticket
from workflows.engine import FALLBACK_LANGUAGE, Reply, run_turn
from workflows.flow import Flow, Step
from workflows.library import Library, current
from workflows.voice_prompts import AGENT_LANGUAGE, Speech, VoicePrompts

log = logging.getLogger(__name__)

REPEAT = "*"
MAX_MISSES = 2
PERSON_STAGES = ("person", "callback_safe", "callback_message")


@dataclass(frozen=True)
class Screen:
    """What the caller hears next, and what the line waits for.

    `then` is `gather` (keys; `digits` of them, or up to `#` when None), `record`, `enqueue`,
    `wait` (in the queue), `leave` (the queue), `dial_queue` (the agent line), or `hangup`.
    `action` names the webhook that receives the answer.
    """

    speech: tuple[Speech, ...]
    then: str
    digits: int | None = 1
    action: str = "gather"
    extra: dict[str, str] = field(default_factory=dict)


class Line:
    """One request of a call: the library, the spoken prompts, and the caller's state."""

    def __init__(self, session: Session, call: Call, *, library: Library | None = None) -> None:
        self.session = session
        self.call = call
        self.library = library or current()
        self.voice = VoicePrompts(self.library)
        self.identity = calls.caller_identity(session, call)

    @property
    def flow(self) -> Flow:
        return self.library.flow

    @property
    def language(self) -> str:
        return self.call.language or FALLBACK_LANGUAGE

    def conversation(self) -> Conversation:
        assert self.identity is not None and self.identity.id is not None
        found = self.session.exec(
            select(Conversation).where(Conversation.identity_id == self.identity.id)
        ).first()
        if found is None:
            found = Conversation(identity_id=self.identity.id, flow=self.flow.name)
            self.session.add(found)
            self.session.flush()
        return found

    def say(self, key: str, **values: str) -> Speech:
        return self.voice.speech(self.language, key, values)

    def turn(self, text: str) -> list[Reply]:
        """One engine turn for a key press: the press drives the flow but is not stored as a
        message (the call record keeps the path of keys)."""
        assert self.identity is not None and self.identity.id is not None
        press = Message(
            contact_id=self.identity.contact_id,
            identity_id=self.identity.id,
            direction=Direction.inbound,
            channel=calls.VOICE,
            text=text,
            status=MessageStatus.received,
        )
        with self.session.no_autoflush:
            replies = run_turn(self.session, self.identity, press)
            if press in self.session:
                self.session.expunge(press)
        conversation = self.conversation()
        self.call.language = conversation.language
        return replies


def incoming(session: Session, *, call_sid: str, phone: str | None) -> Screen:
    """A new call (or a request of a call CCC does not know): the language menu.

    A withheld number still reaches the menus and may leave a voice message; it cannot be
    called back, told a status, or texted its reference."""
    call = calls.start_call(session, call_sid=call_sid, phone=phone or calls.withheld(call_sid))
    return restart(Line(session, call))


def restart(line: Line) -> Screen:
    conversation = line.conversation()
    conversation.step = None
    conversation.language = None
    conversation.answers = {}
    conversation.ticket_id = None
    conversation.invalid_inputs = 0
    line.session.add(conversation)
    line.call.stage = None
    line.call.misses = 0
    line.call.language = None
    replies = line.turn("")
    return after_turn(line, replies)


def press(session: Session, *, call_sid: str, phone: str | None, digits: str) -> Screen:
    """The keys of a `<Gather>`: for the flow, or for one of the line's own questions."""
    call = calls.find_call(session, call_sid)
    if call is None or call.identity_id is None:
        log.info("a key press for an unknown call: starting it over")
        return incoming(session, call_sid=call_sid, phone=phone)
    line = Line(session, call)
    calls.add_keys(call, digits)
    session.add(call)
    if digits == REPEAT:
        return current_screen(line)
    if call.stage in PERSON_STAGES:
        return _person_answer(line, digits)
    if call.stage is not None:
        return current_screen(line)
    conversation = line.conversation()
    step = line.flow.steps.get(conversation.step or "")
    if step is not None and _wants_person(line.flow, step, digits):
        return person(line)
    return after_turn(line, line.turn(digits))


def _wants_person(flow: Flow, step: Step, digits: str) -> bool:
    """The choice leads to the flow's callback request: on the phone, that is a person."""
    choice = step.choices.get(digits)
    target = flow.steps.get(choice.next or "") if choice else None
    made = target.create_ticket if target else None
    return bool(made and made.get("answers", {}).get("request") == "callback")


def after_turn(line: Line, replies: list[Reply]) -> Screen:
    conversation = line.conversation()
    step = line.flow.steps.get(conversation.step or "")
    said = [_spoken(line, reply) for reply in replies if step is None or reply.key != step.ask]
    line.call.menu = step.name if step else line.flow.menu_step
    if step is None:
        # The flow ended its turn (a status was said): back to the main menu.
        if any(reply.key.startswith("status") for reply in replies):
            line.call.outcome = line.call.outcome or Outcome.status_heard
        menu = line.flow.steps[line.flow.menu_step]
        conversation.step = menu.name
        conversation.invalid_inputs = 0
        return _gather(line, menu, said)
    if conversation.invalid_inputs >= MAX_MISSES:
        return offer_message(line, _category_after(line.flow, step) or "other")
    if step.ask is not None and not (step.choices or step.number or step.lookup_reference):
        return record(line, _category_after(line.flow, step) or "other", said)
    return _gather(line, step, said)


def _spoken(line: Line, reply: Reply) -> Speech:
    values = dict(reply.values)
    if "reference" in values:
        values["reference"] = spell(values["reference"])
    try:
        return line.voice.speech(line.language, reply.key, values)
    except KeyError:
        return Speech(reply.key, line.language, reply.text, reply.text, False)


def spell(reference: str) -> str:
    """A reference read digit by digit: "4, 8, 2, 1, ..." (a keypad has only 0-9)."""
    return ", ".join(ch for ch in reference if ch.isdigit())


def _gather(line: Line, step: Step, said: list[Speech]) -> Screen:
    if any(choice.set_language for choice in step.choices.values()):
        question = line.voice.language_menu(step)
    else:
        question = [line.voice.question(line.language, step)]
    single = bool(step.choices) and all(len(key) == 1 for key in step.choices)
    return Screen(tuple(said + question), "gather", digits=1 if single else None)


def _category_after(flow: Flow, step: Step) -> str | None:
    """The category of the ticket this branch of the flow creates: the first one reached."""
    seen: set[str] = set()
    queue = [step.name]
    while queue:
        name = queue.pop(0)
        current_step = flow.steps.get(name)
        if current_step is None or name in seen:
            continue
        seen.add(name)
        if current_step.create_ticket is not None:
            return str(current_step.create_ticket["category"])
        queue += [c.next for c in current_step.choices.values() if c.next]
        if current_step.next:
            queue.append(current_step.next)
    return None


def record(line: Line, category: str, said: list[Speech] | None = None) -> Screen:
    line.call.stage = "record"
    line.call.category = category
    line.session.add(line.call)
    key = f"record_{category}"
    if key not in line.voice.voice.prompts[line.language]:
        key = "record_other"
    return Screen(tuple((said or []) + [line.say(key)]), "record", action="recording")


def offer_message(line: Line, category: str) -> Screen:
    return record(line, category, [line.say("offer_message")])


def current_screen(line: Line) -> Screen:
    """`*`: the prompt of where the caller is, again, with nothing counted against them."""
    stage = line.call.stage
    if stage == "record":
        return record(line, line.call.category or "other")
    if stage in PERSON_STAGES:
        return _person_question(line, stage or "person")
    if stage is not None:
        return Screen((line.say("goodbye"),), "hangup")
    conversation = line.conversation()
    step = line.flow.steps.get(conversation.step or "")
    if step is None or step.ask is None:
        return restart(line)
    return _gather(line, step, [])


def recorded(
    session: Session,
    *,
    call_sid: str,
    phone: str | None,
    recording_sid: str,
    duration: int,
    url: str | None,
    words: str | None = None,
) -> Screen:
    """The recording's callback: one ticket per recording; the reference read back twice."""
    call = calls.find_call(session, call_sid)
    if call is None:
        phone = phone or calls.withheld(call_sid)
        call = calls.start_call(session, call_sid=call_sid, phone=phone)
    line = Line(session, call)
    if not recording_sid or duration <= 0:
        menu = line.flow.steps[line.flow.menu_step]
        call.stage = None
        line.conversation().step = menu.name
        return _gather(line, menu, [line.say("no_message")])
    conversation = line.conversation()
    answers = {k: v for k, v in conversation.answers.items() if not k.startswith("_")}
    answers["keys"] = call.path
    ticket, new = calls.file_voice_message(
        session,
        call=call,
        category=call.category or "other",
        language=call.language,
        answers=answers,
        voice=calls.VoiceMessage(recording_sid, duration, url, words),
    )
    if new:
        conversation.step = None
        conversation.answers = {}
        conversation.ticket_id = ticket.id
        session.add(conversation)
        _text_the_reference(line, ticket, "ticket_created")
    return _read_back(line, ticket, "message_saved")


def _read_back(line: Line, ticket: Ticket, key: str) -> Screen:
    digits = spell(ticket.reference)
    speech = (
        line.say(key, reference=digits),
        line.say("reference_again", reference=digits),
        line.say("goodbye"),
    )
    return Screen(speech, "hangup")


def _text_the_reference(line: Line, ticket: Ticket, key: str) -> None:
    """The reference also by SMS, in the caller's language, where an SMS sender is set."""
    from ccc.kernel.runtime import get_runtime
    from ccc.messages.service import queue_outbound
    from workflows.engine import readable_reference

    caller = line.identity
    if not get_runtime().settings.twilio_sms_from or caller is None or not calls.can_reach(caller):
        return
    identity: Identity = calls.sms_identity(line.session, caller.address)
    text = line.library.prompts.text(
        line.language, key, reference=readable_reference(ticket.reference, line.language)
    )
    queue_outbound(line.session, identity=identity, text=text, ticket_id=ticket.id)


def person(line: Line) -> Screen:
    """`0`: an agent within opening hours, else a voice message or a callback."""
    line.call.menu = "person"
    if not calls.can_reach(line.identity):
        return record(line, "other")
    if centre_open(line.library, utcnow()):
        calls.queue_call(line.session, line.call)
        return Screen((line.say("person_hold"),), "enqueue", action="queue")
    line.call.stage = "person"
    line.call.misses = 0
    return _person_question(line, "person")


def centre_open(library: Library, at: datetime) -> bool:
    calendar = library.calendars.get("centre")
    return calendar.is_open(at) if calendar is not None else False


_QUESTIONS = {
    "person": "person_choice",
    "callback_safe": "callback_safe",
    "callback_message": "callback_message",
}


def _person_question(line: Line, stage: str, said: list[Speech] | None = None) -> Screen:
    line.call.stage = stage
    line.session.add(line.call)
    question = line.say(_QUESTIONS[stage])
    return Screen(tuple((said or []) + [question]), "gather", digits=1)


def _person_answer(line: Line, digits: str) -> Screen:
    call = line.call
    if digits not in ("1", "2"):
        call.misses += 1
        if call.misses >= MAX_MISSES:
            return offer_message(line, "other")
        return _person_question(line, call.stage or "person", [line.say("invalid_choice")])
    call.misses = 0
    if call.stage == "person":
        if digits == "1":
            return record(line, "other")
        return _person_question(line, "callback_safe")
    if call.stage == "callback_safe":
        if digits == "2":
            call.safe_to_call = False
            return record(line, "other", [line.say("not_safe")])
        call.safe_to_call = True
        return _person_question(line, "callback_message")
    ticket, _callback = calls.request_callback(
        line.session,
        call=call,
        language=call.language,
        safe_to_call=True,
        may_leave_message=digits == "1",
    )
    return _read_back(line, ticket, "callback_saved")


def queue_wait(session: Session, *, call_sid: str, position: int, waited: int) -> Screen:
    """Music on hold, Twilio-style: said again each time the wait document ends."""
    from ccc.kernel.runtime import get_runtime

    call = calls.find_call(session, call_sid)
    if call is None:
        return Screen((), "leave")
    line = Line(session, call)
    if waited >= get_runtime().settings.voice_queue_wait_seconds:
        return Screen((), "leave")
    speech = (line.say("queue_position", position=str(max(position, 1))), line.say("person_hold"))
    return Screen(speech, "wait")


def queue_result(session: Session, *, call_sid: str, result: str) -> Screen:
    """The caller left the queue: bridged to an agent, hung up, or waited too long."""
    call = calls.find_call(session, call_sid)
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
    return _person_question(line, "person")


def connect(session: Session, *, call_sid: str, agent_call_sid: str | None) -> Screen:
    """Said to the caller as an agent takes them from the queue."""
    call = calls.find_call(session, call_sid)
    if call is None:
        return Screen((), "hangup")
    calls.answered_by(session, call=call, agent_call_sid=agent_call_sid)
    return Screen((Line(session, call).say("connecting"),), "connect")


def agent_line(session: Session, *, call_sid: str, phone: str | None) -> Screen:
    """A registered agent's phone takes the longest-waiting caller; any other is refused."""
    from ccc.calls.models import Line as LineKind

    agent = calls.agent_for_phone(session, phone)
    call = calls.start_call(session, call_sid=call_sid, phone=None, line=LineKind.agent)
    voice = VoicePrompts(current())
    if agent is None:
        calls.finish(session, call, Outcome.refused)
        return Screen((voice.speech(AGENT_LANGUAGE, "agent_refused"),), "hangup")
    call.agent_id = agent.id
    session.add(call)
    waiting = calls.longest_waiting(session)
    if waiting is None:
        return Screen((voice.speech(AGENT_LANGUAGE, "agent_no_caller"),), "hangup")
    identity = calls.caller_identity(session, waiting)
    language = current().prompts.name(waiting.language or FALLBACK_LANGUAGE)
    tickets = str(calls.open_tickets(session, identity))
    whisper = voice.speech(
        AGENT_LANGUAGE, "agent_whisper", {"caller": language, "tickets": tickets}
    )
    return Screen((whisper,), "dial_queue", action="connect")
