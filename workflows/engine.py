"""The chatbot: one turn of the flow for each inbound message, in the person's language.

The engine sees normalised messages and reaches tickets only through the core's services.
It never sends anything itself: `run_turn` returns a turn's replies, which text channels
queue as outbound messages (sent by jobs) and the voice line renders as TwiML.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from ccc.channels.port import Button
from ccc.contacts.models import Contact, Identity
from ccc.contacts.service import link_phone
from ccc.conversations.models import Conversation
from ccc.kernel.text import as_choice, clean, has_words, normalise_digits
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from ccc.messages.service import queue_outbound
from ccc.tickets import references
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import CONTACT, Changes, apply_changes, create_ticket
from workflows.flow import LANGUAGES, Step
from workflows.library import Library, current

log = logging.getLogger(__name__)

FALLBACK_LANGUAGE = "ar"
RIGHT_TO_LEFT = frozenset({"ar", "ckb", "kmr"})
MAX_ANSWER = 1500
LOOKUP_WINDOW = timedelta(hours=1)
LOOKUP_LIMIT = 5
LOOKUP_BLOCK = timedelta(hours=1)
_SINCE = "_since_message_id"
_LINK_PHONE = "_link_phone"
_LINK_RETURN = "_link_return"
LINK_STEP = "_confirm_phone_link"


@dataclass(frozen=True)
class Reply:
    key: str
    text: str
    buttons: tuple[Button, ...] = ()


@dataclass
class Turn:
    session: Session
    library: Library
    identity: Identity
    conversation: Conversation
    message: Message
    now: datetime
    timeout: timedelta
    replies: list[Reply] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.conversation.language or FALLBACK_LANGUAGE

    def say(self, key: str, **values: str) -> None:
        self.replies.append(Reply(key, self.library.prompts.text(self.language, key, **values)))

    def ask(self, step: Step) -> None:
        assert step.ask is not None
        self.replies.append(render_question(self.library, step, self.language))

    def reference(self, ticket: Ticket) -> str:
        return readable_reference(ticket.reference, self.language)


def readable_reference(reference: str, language: str) -> str:
    return references.for_reading(reference, right_to_left=language in RIGHT_TO_LEFT)


def render_question(library: Library, step: Step, language: str) -> Reply:
    """The question's text with its numbered choices, and the same choices as buttons."""
    assert step.ask is not None
    prompts = library.prompts
    if any(choice.set_language for choice in step.choices.values()):
        intro = "\n".join(prompts.text(lang, step.ask) for lang in LANGUAGES)
        labels = {key: prompts.name(c.set_language or "") for key, c in step.choices.items()}
        language_lines = [f"{key} {label}" for key, label in labels.items()]
        buttons = tuple(Button(key, label) for key, label in labels.items())
        return Reply(step.ask, "\n".join([intro, *language_lines]), buttons)
    prompt = prompts.get(language, step.ask)
    if not step.choices:
        return Reply(step.ask, prompt.text)
    labels = {key: prompt.choices[key] for key in step.choices}
    lines = [prompt.text, *(f"{key} {label}" for key, label in labels.items())]
    return Reply(step.ask, "\n".join(lines), tuple(Button(k, v) for k, v in labels.items()))


def process_identity(session: Session, identity_id: int, *, timeout_hours: float = 24.0) -> int:
    """Handle every unprocessed inbound message of one identity, oldest first.

    The identity row is locked, so two workers given messages of the same person take turns
    instead of interleaving their answers.
    """
    identity = session.get(Identity, identity_id, with_for_update=True)
    if identity is None:
        raise LookupError(f"identity {identity_id} does not exist")
    pending = session.exec(
        select(Message)
        .where(
            Message.identity_id == identity_id,
            Message.direction == "in",
            col(Message.processed_at).is_(None),
        )
        .order_by(col(Message.id))
    ).all()
    for message in pending:
        replies = run_turn(session, identity, message, timeout_hours=timeout_hours)
        _queue(session, identity, message, replies)
    return len(pending)


def run_turn(
    session: Session, identity: Identity, message: Message, *, timeout_hours: float = 24.0
) -> list[Reply]:
    """One turn of the flow for one inbound message: the conversation moves on, tickets are
    created or updated, and the replies are returned rather than sent.

    Text channels queue the replies as outbound messages (`process_identity`); the voice line
    renders the same replies into the TwiML answer of the very request, so one flow file
    drives both. The message is marked processed.
    """
    library = current()
    turn = Turn(
        session=session,
        library=library,
        identity=identity,
        conversation=_conversation(session, identity, library),
        message=message,
        now=utcnow(),
        timeout=timedelta(hours=timeout_hours),
    )
    handle(turn)
    message.processed_at = turn.now
    session.add(message)
    return turn.replies


def _conversation(session: Session, identity: Identity, library: Library) -> Conversation:
    conversation = session.exec(
        select(Conversation).where(Conversation.identity_id == identity.id)
    ).first()
    if conversation is None:
        assert identity.id is not None
        contact = session.get(Contact, identity.contact_id)
        conversation = Conversation(
            identity_id=identity.id,
            flow=library.flow.name,
            language=contact.language if contact else None,
        )
        session.add(conversation)
        session.flush()
    return conversation


def _queue(session: Session, identity: Identity, message: Message, replies: list[Reply]) -> None:
    for reply in replies:
        queue_outbound(
            session,
            identity=identity,
            text=reply.text,
            buttons=reply.buttons,
            ticket_id=message.ticket_id,
        )


def handle(turn: Turn) -> None:
    conversation = turn.conversation
    flow = turn.library.flow
    if conversation.expires_at is not None and turn.now > conversation.expires_at:
        # The intake starts over, but the ticket the person was last told about stays in
        # focus: a reply days later to "your request has been answered" must reopen it.
        _reset(conversation, keep_ticket=True)
    conversation.updated_at = turn.now
    conversation.expires_at = turn.now + turn.timeout
    turn.session.add(conversation)

    text = clean(turn.message.text)
    choice = as_choice(text)
    shared = _shared_phone(turn.message)
    if shared is not None:
        _offer_link(turn, shared)
        return
    if conversation.step == LINK_STEP:
        _confirm_link(turn, choice)
        return
    step = flow.steps.get(conversation.step) if conversation.step else None

    if choice in flow.menu_words or text.casefold() in flow.menu_words:
        _start(turn, flow.menu_step if conversation.language else flow.start)
        return
    if step is None or (step.choices and not step.lookup_reference):
        # Outside free-text questions, where a number may be part of the answer.
        own = _own_ticket(turn, references.find_valid(text))
        if own is not None:
            _say_status(turn, own)
            if step is not None:
                turn.ask(step)
            return
        keys = step.choices if step is not None else flow.steps[flow.menu_step].choices
        if conversation.language and references.looks_like_reference(text) and choice not in keys:
            # A reference typed at a menu: answered as the status step would, never as "?".
            _lookup(turn, text, stay=True)
            if step is not None and conversation.step == step.name:
                turn.ask(step)
            return
    if step is None:
        if _follow_up(turn):
            return
        menu = flow.steps[flow.menu_step]
        if conversation.language and choice in menu.choices:
            # Someone who already knows the menu may answer it without being shown it again.
            _start_silently(turn, flow.menu_step)
            _answer(turn, menu, text, choice)
            return
        _start(turn, flow.menu_step if conversation.language else flow.start)
        return
    if step.lookup_reference:
        _lookup(turn, text)
        return
    _answer(turn, step, text, choice)


def _shared_phone(message: Message) -> str | None:
    for item in message.media:
        if item.get("kind") == "contact" and str(item.get("url", "")).startswith("tel:+"):
            return str(item["url"])[4:]
    return None


def _offer_link(turn: Turn, phone: str) -> None:
    """A shared phone number joins this chat to that number's contact only once confirmed."""
    conversation = turn.conversation
    answers = dict(conversation.answers)
    if conversation.step != LINK_STEP:
        answers[_LINK_RETURN] = conversation.step
    answers[_LINK_PHONE] = phone
    conversation.answers = answers
    conversation.step = LINK_STEP
    prompt = turn.library.prompts.get(turn.language, "link_confirm")
    lines = [prompt.text.format(phone=phone), *(f"{k} {v}" for k, v in prompt.choices.items())]
    buttons = tuple(Button(k, v) for k, v in prompt.choices.items())
    turn.replies.append(Reply("link_confirm", "\n".join(lines), buttons))


def _confirm_link(turn: Turn, choice: str) -> None:
    conversation = turn.conversation
    answers = dict(conversation.answers)
    if choice not in ("1", "2"):
        _offer_link(turn, str(answers.get(_LINK_PHONE, "")))
        return
    phone = answers.pop(_LINK_PHONE, None)
    back = answers.pop(_LINK_RETURN, None)
    conversation.answers = answers
    conversation.step = back
    if choice == "1" and phone:
        link_phone(turn.session, identity=turn.identity, phone=str(phone))
        turn.say("link_done")
    else:
        turn.say("link_declined")
    step = turn.library.flow.steps.get(back) if back else None
    if step is not None and step.ask is not None:
        turn.ask(step)


def _reset(conversation: Conversation, *, keep_ticket: bool = False) -> None:
    conversation.step = None
    conversation.answers = {}
    if not keep_ticket:
        conversation.ticket_id = None
    conversation.invalid_inputs = 0


def _start(turn: Turn, step_name: str) -> None:
    _start_silently(turn, step_name)
    _enter(turn, step_name)


def _start_silently(turn: Turn, step_name: str) -> None:
    _reset(turn.conversation)
    turn.conversation.answers = {_SINCE: turn.message.id}
    turn.conversation.step = step_name


def _enter(turn: Turn, step_name: str) -> None:
    step = turn.library.flow.steps[step_name]
    conversation = turn.conversation
    conversation.step = step_name
    conversation.invalid_inputs = 0
    if step.create_ticket is not None:
        _create(turn, step)
        return
    turn.ask(step)


def _answer(turn: Turn, step: Step, text: str, choice: str) -> None:
    conversation = turn.conversation
    answers = dict(conversation.answers)
    if turn.message.media and not text:
        kinds = {str(item.get("kind")) for item in turn.message.media}
        # A photo or a voice note is kept on the ticket; a location or a contact card is not a
        # file the person would expect us to keep, so they are simply asked for words.
        turn.say("need_text" if kinds <= {"location", "contact"} else "media_kept")
        turn.ask(step)
        return
    if step.choices:
        picked = step.choices.get(choice)
        if picked is None:
            _invalid(turn, step, "invalid_choice")
            return
        if picked.set_language:
            conversation.language = picked.set_language
            contact = turn.session.get(Contact, turn.identity.contact_id)
            if contact is not None:
                contact.language = picked.set_language
                turn.session.add(contact)
        if step.save:
            answers[step.save] = picked.value if picked.value is not None else picked.key
        next_step = picked.next or step.next
    elif step.number is not None:
        digits = normalise_digits(text).strip()
        low, high = step.number
        if not digits.isdigit() or not low <= int(digits) <= high:
            _invalid(turn, step, "invalid_number")
            return
        assert step.save is not None
        answers[step.save] = int(digits)
        next_step = step.next
    else:
        if not has_words(text):
            _invalid(turn, step, "need_text")
            return
        if len(text) > MAX_ANSWER:
            _invalid(turn, step, "text_too_long")
            return
        assert step.save is not None
        answers[step.save] = text
        next_step = step.next
    conversation.answers = answers
    assert next_step is not None
    _enter(turn, next_step)


def _invalid(turn: Turn, step: Step, key: str) -> None:
    turn.conversation.invalid_inputs += 1
    if any(choice.set_language for choice in step.choices.values()):
        turn.ask(step)
        return
    turn.say(key)
    turn.ask(step)


def _create(turn: Turn, step: Step) -> None:
    assert step.create_ticket is not None and step.say is not None
    conversation = turn.conversation
    answers = {k: v for k, v in conversation.answers.items() if not k.startswith("_")}
    answers.update(step.create_ticket.get("answers", {}))
    ticket = create_ticket(
        turn.session,
        identity=turn.identity,
        category=step.create_ticket["category"],
        language=conversation.language,
        answers=answers,
    )
    since = conversation.answers.get(_SINCE, turn.message.id)
    turn.session.execute(
        update(Message)
        .where(
            col(Message.identity_id) == turn.identity.id,
            col(Message.ticket_id).is_(None),
            col(Message.id) >= since,
        )
        .values(ticket_id=ticket.id)
    )
    turn.message.ticket_id = ticket.id
    _reset(conversation)
    conversation.ticket_id = ticket.id
    turn.say(step.say, reference=turn.reference(ticket))


def _own_ticket(turn: Turn, candidates: list[str]) -> Ticket | None:
    if not candidates:
        return None
    return turn.session.exec(
        select(Ticket).where(
            col(Ticket.reference).in_(candidates),
            Ticket.contact_id == turn.identity.contact_id,
        )
    ).first()


def _say_status(turn: Turn, ticket: Ticket) -> None:
    status = turn.library.prompts.text(turn.language, f"status_{ticket.status}")
    turn.say("status", reference=turn.reference(ticket), status=status)


def _lookup(turn: Turn, text: str, *, stay: bool = False) -> None:
    """Status by reference: only the owner hears it; anyone else hears 'unknown', and
    repeated failures from one identity are slowed down. `stay` keeps the person where they
    are (a reference typed at a menu) instead of ending the status step."""
    conversation = turn.conversation
    if conversation.lookup_blocked_until and turn.now < conversation.lookup_blocked_until:
        turn.say("too_many_attempts")
        if not stay:
            conversation.step = None
        return
    written = references.find_valid(text)  # "my reference is 4821 9930" counts too
    candidate = written[0] if written else references.compact(text)
    ticket = None
    if references.is_valid(candidate):
        ticket = _own_ticket(turn, [candidate])
    if ticket is not None:
        _say_status(turn, ticket)
        if not stay:
            conversation.step = None
        return
    if (
        conversation.lookup_window_start is None
        or turn.now - conversation.lookup_window_start > LOOKUP_WINDOW
    ):
        conversation.lookup_window_start = turn.now
        conversation.lookup_failures = 0
    conversation.lookup_failures += 1
    if conversation.lookup_failures >= LOOKUP_LIMIT:
        conversation.lookup_blocked_until = turn.now + LOOKUP_BLOCK
        log.warning("reference look-ups blocked for identity %s", turn.identity.id)
        turn.say("too_many_attempts")
        if not stay:
            conversation.step = None
        return
    if not references.is_valid(candidate):
        turn.say("reference_invalid")
    else:
        turn.say("reference_unknown")


def _follow_up(turn: Turn) -> bool:
    """A message after an intake belongs to the ticket it created, and reopens it if resolved."""
    ticket_id = turn.conversation.ticket_id
    ticket = turn.session.get(Ticket, ticket_id) if ticket_id else None
    if ticket is None or ticket.status == TicketStatus.closed:
        return False
    turn.message.ticket_id = ticket.id
    turn.session.add(turn.message)
    spaced = turn.reference(ticket)
    if ticket.status in (TicketStatus.resolved, TicketStatus.pending):
        was = ticket.status
        apply_changes(
            turn.session, ticket=ticket, changes=Changes(status=TicketStatus.open), caller=CONTACT
        )
        if was == TicketStatus.resolved:
            turn.say("reopened", reference=spaced)
            return True
    turn.say("added_to_case", reference=spaced)
    return True
