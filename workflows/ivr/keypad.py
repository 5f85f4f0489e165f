"""The default flow on the telephone: the engine's turns, pressed on a keypad.

Each key a caller presses is one turn of `workflows.chatbot.engine.run_turn`, so the language menu,
the main menu and every choice are the flow file's own, and so is every keyed step of an intake
(the privacy notice, the relationship, a number, the consent to share). What the phone cannot do
the line does itself, as a small stage on the call record: the steps that ask for free text are
answered in one voice message at the end of the intake, and the recording's callback files the
ticket the flow would have created, with every keyed answer; `0` queues the caller for an
agent within opening hours, or offers a voice message or a callback. Adapters render the
`Screen` returned here (TwiML for Twilio, text for the simulator's keypad).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlmodel import Session

from ccc.calls import service as calls
from ccc.calls.models import Outcome
from ccc.contacts.models import Identity
from ccc.contacts.service import sms_identity
from ccc.conversations.models import Conversation
from ccc.jobs.outbox import schedule
from ccc.kernel.runtime import get_runtime
from ccc.kernel.timeutil import utcnow
from ccc.messages.service import queue_outbound
from ccc.tickets.models import Ticket
from workflows.chatbot.replies import Reply, readable_reference
from workflows.files.flow import Flow, Step
from workflows.ivr.line import (
    MAX_MISSES,
    Line,
    Screen,
    offer_message,
    open_line,
    read_back,
    record,
    spell,
)
from workflows.ivr.person import PERSON_STAGES, person, person_answer, person_question
from workflows.ivr.voice_prompts import Speech

__all__ = ["Screen", "incoming", "press", "recorded"]

log = logging.getLogger(__name__)

REPEAT = "*"
# The answers of an intake given in its voice message rather than keyed (kept with the ticket).
IN_MESSAGE = "_in_voice_message"
# How long Twilio's copy of a recording stays while it is transcribed (CCC_VOICE_TRANSCRIBE).
TRANSCRIPTION_GRACE = timedelta(minutes=30)


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
    line = open_line(session, call_sid=call_sid)
    if line is None or line.identity is None:
        log.info("a key press for an unknown call: starting it over")
        return incoming(session, call_sid=call_sid, phone=phone)
    call = line.call
    if call.stage is None and digits != REPEAT:
        # Read before the call record changes (when `open_line` found none yet, it is made
        # here), so that the call's changes are one UPDATE at the commit.
        line.conversation()
    calls.add_keys(call, digits)
    session.add(call)
    if digits == REPEAT:
        return current_screen(line)
    if call.stage in PERSON_STAGES:
        return person_answer(line, digits)
    if call.stage is not None:
        return current_screen(line)
    conversation = line.conversation()
    step = line.flow.steps.get(conversation.step or "")
    if step is not None and _wants_person(line.flow, step, digits):
        return person(line)
    return after_turn(line, line.turn(digits))


def _wants_person(flow: Flow, step: Step, digits: str) -> bool:
    """The choice leads to the flow's callback request, directly or through the question that
    confirms it: on the phone that is `0`, a person (the keypad menu is explicit enough, and
    whoever reaches the queue by a slip can still leave)."""
    choice = step.choices.get(digits)
    target = flow.steps.get(choice.next or "") if choice else None
    if target is None or target.name in (flow.start, flow.menu_step):
        return False
    if _requests_callback(target):
        return True
    return any(_requests_callback(flow.steps.get(c.next or "")) for c in target.choices.values())


def _requests_callback(step: Step | None) -> bool:
    made = step.create_ticket if step else None
    return bool(made and made.get("answers", {}).get("request") == "callback")


def after_turn(line: Line, replies: list[Reply]) -> Screen:
    """The flow has taken its turn: say its replies, except the questions the line asks itself
    next, then go where the flow now stands (see `_at_step`), or back to the main menu."""
    conversation = line.conversation()
    skipped = _past_words(line.flow, conversation)
    step = line.flow.steps.get(conversation.step or "")
    asked = {s.ask for s in skipped} | {step.ask if step else None}
    said = [_spoken(line, reply) for reply in replies if step is None or reply.key not in asked]
    line.call.menu = step.name if step else line.flow.menu_step
    if step is None:
        return _back_to_menu(line, conversation, replies, said)
    return _at_step(line, conversation, step, said)


def _back_to_menu(
    line: Line, conversation: Conversation, replies: list[Reply], said: list[Speech]
) -> Screen:
    """The flow ended its turn (a status was said, say): the caller hears the main menu again,
    and a call that heard a status counts as one."""
    if any(reply.key.startswith("status") for reply in replies):
        line.call.outcome = line.call.outcome or Outcome.status_heard
    menu = line.flow.steps[line.flow.menu_step]
    conversation.step = menu.name
    conversation.invalid_inputs = 0
    return _gather(line, menu, said)


def _at_step(line: Line, conversation: Conversation, step: Step, said: list[Speech]) -> Screen:
    """What a phone can do at the flow's step: a step that files a ticket is the voice message
    (or a person, for a callback request), and so is a question only words answer, or one
    missed too often; any other is asked on the keypad."""
    if step.create_ticket is not None:
        if _requests_callback(step):
            return person(line)
        # Every keyed step is answered: the words the flow asks for are the voice message.
        return record(line, str(step.create_ticket["category"]), said)
    if conversation.invalid_inputs >= MAX_MISSES:
        return offer_message(line, _category_after(line.flow, step) or "other")
    if _asks_words(step):
        return record(line, _category_after(line.flow, step) or "other", said)
    return _gather(line, step, said)


def _asks_words(step: Step) -> bool:
    return step.ask is not None and not (step.choices or step.number or step.lookup_reference)


def _past_words(flow: Flow, conversation: Conversation) -> list[Step]:
    """Questions that ask for words are answered in the voice message at the end: the line
    walks past them to the next keyed step (consent, relationship, a number) or to the step
    that files the ticket, and notes what the message stands for."""
    skipped: list[Step] = []
    step = flow.steps.get(conversation.step or "")
    while step is not None and _asks_words(step) and step.next and step not in skipped:
        skipped.append(step)
        step = flow.steps.get(step.next)
    if skipped and step is not None:
        saves = [s.save for s in skipped if s.save]
        said = [*conversation.answers.get(IN_MESSAGE, []), *saves]
        conversation.answers = {**conversation.answers, IN_MESSAGE: said}
        conversation.step = step.name
        conversation.invalid_inputs = 0
    return skipped


def _spoken(line: Line, reply: Reply) -> Speech:
    values = dict(reply.values)
    if "reference" in values:
        values["reference"] = spell(values["reference"])
    try:
        return line.voice.speech(line.language, reply.key, values)
    except KeyError:
        return Speech(reply.key, line.language, reply.text, reply.text, False)


def _gather(line: Line, step: Step, said: list[Speech]) -> Screen:
    if any(choice.set_language for choice in step.choices.values()):
        question = line.voice.language_menu(step)
    else:
        question = [line.voice.question(line.language, step)]
    single = bool(step.choices) and all(len(key) == 1 for key in step.choices)
    return Screen(tuple(said + question), "gather", digits=1 if single else None)


def _category_after(flow: Flow, step: Step) -> str | None:
    """The category of the ticket this branch of the flow creates: the first one reached
    without going back through a menu. At the language or main menu no branch is chosen yet."""
    menus = {flow.start, flow.menu_step}
    seen: set[str] = set()
    queue = [step.name]
    while queue:
        name = queue.pop(0)
        current_step = flow.steps.get(name)
        if current_step is None or name in seen or name in menus:
            continue
        seen.add(name)
        if current_step.create_ticket is not None:
            return str(current_step.create_ticket["category"])
        queue += [c.next for c in current_step.choices.values() if c.next]
        if current_step.next:
            queue.append(current_step.next)
    return None


def current_screen(line: Line) -> Screen:
    """`*`: the prompt of where the caller is, again, with nothing counted against them."""
    stage = line.call.stage
    if stage == "record":
        return record(line, line.call.category or "other")
    if stage in PERSON_STAGES:
        return person_question(line, stage or "person")
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
    found = open_line(session, call_sid=call_sid)
    if found is None:
        phone = phone or calls.withheld(call_sid)
        found = Line(session, calls.start_call(session, call_sid=call_sid, phone=phone))
    line, call = found, found.call
    if not recording_sid or duration <= 0:
        # No message: the keyed answers of this intake must not join the next one.
        menu = line.flow.steps[line.flow.menu_step]
        call.stage = None
        conversation = line.conversation()
        conversation.step, conversation.answers, conversation.invalid_inputs = menu.name, {}, 0
        session.add(conversation)
        return _gather(line, menu, [line.say("no_message")])
    conversation = line.conversation()
    answers = _intake_answers(line, conversation)
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
        _keep_recording(line, recording_sid)
    return read_back(line, ticket, "message_saved")


def _intake_answers(line: Line, conversation: Conversation) -> dict[str, Any]:
    """What a text intake's ticket would hold (the keyed answers, the flow's own additions),
    plus the path of keys and which answers the voice message gives."""
    kept = conversation.answers
    answers = {k: v for k, v in kept.items() if not k.startswith("_")}
    held = line.flow.steps.get(conversation.step or "")
    if held is not None and held.create_ticket is not None:
        answers.update(held.create_ticket.get("answers", {}))
    answers["keys"] = line.call.path
    if kept.get(IN_MESSAGE):
        answers["in_voice_message"] = list(kept[IN_MESSAGE])
    return answers


def _keep_recording(line: Line, sid: str) -> None:
    """Where the centre keeps recordings itself, a job fetches it and deletes Twilio's copy;
    while Twilio transcribes, only after the transcription has had time to arrive (deleting
    a recording deletes its transcription)."""
    settings = get_runtime().settings
    if settings.voice_recordings_dir:
        later = utcnow() + TRANSCRIPTION_GRACE if settings.voice_transcribe else None
        schedule(line.session, calls.KEEP_RECORDING, available_at=later, recording_sid=sid)


def _text_the_reference(line: Line, ticket: Ticket, key: str) -> None:
    """The reference also by SMS, in the caller's language, where an SMS sender is set."""
    caller = line.identity
    if not get_runtime().settings.twilio_sms_from or caller is None or not calls.can_reach(caller):
        return
    identity: Identity = sms_identity(line.session, phone=caller.address)
    text = line.library.prompts.text(
        line.language, key, reference=readable_reference(ticket.reference, line.language)
    )
    queue_outbound(line.session, identity=identity, text=text, ticket_id=ticket.id)
