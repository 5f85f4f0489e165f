"""The line's side of a call: what a caller hears next (`Screen`), and the state of one
request (`Line`), shared by the flow (`workflows.ivr.keypad`) and the way to a person
(`workflows.ivr.person`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from ccc.calls import service as calls
from ccc.calls.models import Call
from ccc.contacts.models import Identity
from ccc.conversations.models import Conversation
from ccc.messages.models import Direction, Message, MessageStatus
from ccc.tickets.models import Ticket
from workflows.chatbot.engine import conversation_of, run_turn
from workflows.chatbot.replies import Reply
from workflows.chatbot.turn import FALLBACK_LANGUAGE
from workflows.files.flow import Flow
from workflows.files.library import Library, current
from workflows.ivr.voice_prompts import Speech, voice_prompts

MAX_MISSES = 2


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

    def __init__(
        self,
        session: Session,
        call: Call,
        *,
        library: Library | None = None,
        caller: tuple[Identity | None, Conversation | None] | None = None,
    ) -> None:
        """`caller`: the caller's identity and conversation where already read (`open_line`);
        else they are read here and when first asked for."""
        self.session = session
        self.call = call
        self.library = library or current()
        self.voice = voice_prompts(self.library)
        if caller is None:
            self.identity = calls.caller_identity(session, call=call)
            self._conversation: Conversation | None = None
        else:
            self.identity, self._conversation = caller

    @property
    def flow(self) -> Flow:
        return self.library.flow

    @property
    def language(self) -> str:
        return self.call.language or FALLBACK_LANGUAGE

    def conversation(self) -> Conversation:
        """The caller's conversation, looked up once per request: a step asks for it three or
        four times, and each query also flushed the session."""
        if self._conversation is None:
            assert self.identity is not None
            self._conversation = conversation_of(self.session, self.identity, self.library)
        return self._conversation

    def say(self, key: str, *, in_arabic: dict[str, str] | None = None, **values: str) -> Speech:
        return self.voice.speech(self.language, key, values, in_arabic=in_arabic)

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
            replies = run_turn(
                self.session,
                self.identity,
                press,
                hold_ticket=True,
                conversation=self.conversation(),
            )
            if press in self.session:
                self.session.expunge(press)
        conversation = self.conversation()
        self.call.language = conversation.language
        return replies


# Built once, run with the CallSid as its parameter: building it and its cache key was a
# sixth of a key press's share of CPU in its own statement (py-spy, bench/webhook_costs.py).
_OPEN_LINE = (
    select(Call, Identity, Conversation)
    .outerjoin(Identity, col(Identity.id) == Call.identity_id)
    .outerjoin(Conversation, col(Conversation.identity_id) == Call.identity_id)
    .where(Call.call_sid == bindparam("b_call_sid"))
)


def open_line(session: Session, *, call_sid: str) -> Line | None:
    """A request of a call CCC knows, its record, caller and the caller's conversation read in
    one statement: each key press read the three one after the other, three of its five
    statements. None for a call CCC does not know."""
    found = session.exec(_OPEN_LINE, params={"b_call_sid": call_sid}).first()
    if found is None:
        return None
    call, identity, conversation = found
    return Line(session, call, caller=(identity, conversation))


def spell(reference: str) -> str:
    """A reference read digit by digit: "4, 8, 2, 1, ..." (a keypad has only 0-9)."""
    return ", ".join(ch for ch in reference if ch.isdigit())


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


def read_back(
    line: Line, ticket: Ticket, key: str, *, in_arabic: dict[str, str] | None = None, **values: str
) -> Screen:
    digits = spell(ticket.reference)
    speech = (
        line.say(key, in_arabic=in_arabic, reference=digits, **values),
        line.say("reference_again", reference=digits),
        line.say("goodbye"),
    )
    return Screen(speech, "hangup")
