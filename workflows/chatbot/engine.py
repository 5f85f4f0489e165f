"""The chatbot: one turn of the flow for each inbound message, in the person's language.

The engine sees normalised messages and reaches tickets only through the core's services.
It never sends anything itself: `run_turn` returns a turn's replies, which text channels
queue as outbound messages (sent by jobs) and the voice line renders as TwiML.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from ccc.contacts.models import Contact, Identity
from ccc.contacts.service import lock_identity, made_in_this_transaction
from ccc.conversations.models import Conversation
from ccc.kernel.text import as_choice, clean, has_words, truncate
from ccc.kernel.timeutil import utcnow
from ccc.messages.models import Message
from ccc.messages.service import queue_outbound
from ccc.tickets import references
from ccc.tickets.models import Ticket, TicketStatus
from ccc.tickets.service import CONTACT, Changes, apply_changes
from workflows.chatbot import answers as read
from workflows.chatbot import linking, recovery, steps, thread
from workflows.chatbot import reference_status as status
from workflows.chatbot.menu_words import named_choices
from workflows.chatbot.replies import Reply
from workflows.chatbot.suggestions import suggest
from workflows.chatbot.turn import Turn
from workflows.files.flow import Choice, Step
from workflows.files.library import Library, current

# `closing` (workflows.followup.satisfaction) subscribes to ticket.updated when imported, after
# the core's subscribers and the resolution message (ccc.api.wiring.bootstrap); imported at the
# top here, it would subscribe first whenever the engine is imported first, so the engine
# imports it only when a turn runs.

log = logging.getLogger(__name__)

MAX_ANSWER = steps.MAX_ANSWER
# A language changed in the middle of an intake: the question to go back to.
BACK_AFTER_LANGUAGE = "_back_after_language"


_UNPROCESSED = (  # built once: every turn asks it
    select(Message)
    .where(
        Message.identity_id == bindparam("b_identity_id"),
        Message.direction == "in",
        col(Message.processed_at).is_(None),
    )
    .order_by(col(Message.id))
)


def process_identity(session: Session, identity_id: int, *, timeout_hours: float = 24.0) -> int:
    """Handle every unprocessed inbound message of one identity, oldest first.

    The identity row is locked, so two workers given messages of the same person take turns
    instead of interleaving their answers.
    """
    identity = lock_identity(session, identity_id)
    if identity is None:
        raise LookupError(f"identity {identity_id} does not exist")
    pending = session.exec(_UNPROCESSED, params={"b_identity_id": identity_id}).all()
    for message in pending:
        replies = run_turn(session, identity, message, timeout_hours=timeout_hours)
        _queue(session, identity, message, replies)
    return len(pending)


def run_turn(
    session: Session,
    identity: Identity,
    message: Message,
    *,
    timeout_hours: float = 24.0,
    hold_ticket: bool = False,
    conversation: Conversation | None = None,
) -> list[Reply]:
    """One turn of the flow for one inbound message: the conversation moves on, tickets are
    created or updated, and the replies are returned rather than sent.

    Text channels queue the replies as outbound messages (`process_identity`); the voice line
    renders the same replies into the TwiML answer of the very request, so one flow file
    drives both. The message is marked processed. With `hold_ticket` (the voice line) an
    intake stops at its `create_ticket` step: the ticket is filed with the recording. The
    line passes the `conversation` it has already read (`conversation_of`) for the request.
    """
    library = current()
    turn = Turn(
        session=session,
        library=library,
        identity=identity,
        conversation=conversation or conversation_of(session, identity, library),
        message=message,
        now=utcnow(),
        timeout=timedelta(hours=timeout_hours),
        hold_ticket=hold_ticket,
    )
    handle(turn)
    from workflows.followup import satisfaction as closing  # why: subscriber order, above

    closing.after_turn(session, message, turn.now)
    message.processed_at = turn.now
    session.add(message)
    return turn.replies


_CONVERSATION = select(Conversation).where(  # built once: every turn asks it
    Conversation.identity_id == bindparam("b_identity_id")
)


def conversation_of(session: Session, identity: Identity, library: Library) -> Conversation:
    """The identity's conversation, or a new one in its contact's language, unwritten yet. A
    person new in this transaction has neither to read (a new caller's first request)."""
    new_identity, new_contact = made_in_this_transaction(session, identity)
    conversation = None
    if not new_identity:
        conversation = session.exec(_CONVERSATION, params={"b_identity_id": identity.id}).first()
    if conversation is None:
        assert identity.id is not None
        contact = None if new_contact else session.get(Contact, identity.contact_id)
        conversation = Conversation(
            identity_id=identity.id,
            flow=library.flow.name,
            language=contact.language if contact else None,
        )
        # Not flushed here: the turn's first query writes it, with the times the turn sets,
        # in one INSERT rather than an INSERT and an UPDATE.
        session.add(conversation)
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
    from workflows.followup import satisfaction as closing  # why: subscriber order, above

    last_turn, resume = _keep_alive(turn)
    text = clean(turn.message.text)
    choice = as_choice(text)
    if _before_flow(turn, text, choice, last_turn=last_turn, resume=resume):
        return
    if turn.conversation.step == closing.SATISFACTION_STEP and closing.take_satisfaction(
        turn, text
    ):
        return
    _in_flow(turn, text, choice)


def _keep_alive(turn: Turn) -> tuple[datetime | None, bool]:
    """The conversation's clock, moved on by this message. Returns when the person last wrote
    (none while they are asked which ticket they mean) and whether an intake that expired may
    be resumed; one that may not starts over."""
    conversation = turn.conversation
    last_turn = conversation.updated_at if conversation.step != thread.WHICH_STEP else None
    expired = conversation.expires_at is not None and turn.now > conversation.expires_at
    resume = expired and recovery.may_resume(turn)
    if expired and not resume:
        # The intake starts over, but the ticket the person was last told about stays in
        # focus: a reply days later to "your request has been answered" must reopen it.
        steps.reset(conversation, keep_ticket=True)
    conversation.updated_at = turn.now
    conversation.expires_at = turn.now + turn.timeout
    turn.session.add(conversation)
    return last_turn, resume


def _before_flow(
    turn: Turn, text: str, choice: str, *, last_turn: datetime | None, resume: bool
) -> bool:
    """What is answered before the step's question: a shared phone number, a message that
    belongs to a ticket's thread, the words that work anywhere, and the way back into an
    intake that expired. True when one of them took the message."""
    if _linking(turn, choice) or thread.before_flow(turn, text, choice, last_turn):
        return True
    if _anywhere(turn, text):
        return True
    if resume:
        recovery.offer_resume(turn)
        return True
    if turn.conversation.step == recovery.RESUME_STEP:
        recovery.answer_resume(turn, text, choice)
        return True
    return False


def _in_flow(turn: Turn, text: str, choice: str) -> None:
    """The message read at the person's step: a request for a person first, then a reference
    typed at a menu, then as the step reads answers (between intakes, at the status step, at
    the main menu, or an answer to the question)."""
    flow = turn.library.flow
    conversation = turn.conversation
    step = flow.steps.get(conversation.step) if conversation.step else None
    if recovery.wants_person(turn, step, choice):
        recovery.to_person(turn)
        return
    if (step is None or (step.choices and not step.lookup_reference)) and _reference_at_menu(
        turn, step, text, choice
    ):
        return
    if step is None:
        _between_intakes(turn, text, choice)
    elif step.lookup_reference:
        _at_status_step(turn, text, choice)
    elif step.name == flow.menu_step and choice not in step.choices:
        _at_menu(turn, step, text, choice)
    else:
        _answer(turn, step, text, choice)


def _linking(turn: Turn, choice: str) -> bool:
    shared = linking.shared_phone(turn.message)
    if shared is not None:
        linking.offer_link(turn, shared)
        return True
    if turn.conversation.step == linking.LINK_STEP:
        linking.confirm_link(turn, choice)
        return True
    return False


def _anywhere(turn: Turn, text: str) -> bool:
    """Words that work at every step: the menu, and a change of language."""
    flow = turn.library.flow
    conversation = turn.conversation
    if read.is_menu_word(text, flow.menu_words):
        steps.start(turn, flow.menu_step if conversation.language else flow.start)
        return True
    if conversation.step != flow.start and read.wants_language(text, turn.words):
        step = flow.steps.get(conversation.step or "")
        answered = any(not key.startswith("_") for key in conversation.answers)
        if step is not None and answered and step.ask is not None:
            # In the middle of an intake: the answers stay, and the same question follows
            # in the new language.
            conversation.answers = {**conversation.answers, BACK_AFTER_LANGUAGE: step.name}
            conversation.step = flow.start
            conversation.invalid_inputs = 0
            turn.ask(flow.steps[flow.start])
            return True
        steps.start(turn, flow.start)
        return True
    return False


def _reference_at_menu(turn: Turn, step: Step | None, text: str, choice: str) -> bool:
    """Outside free-text questions (where a number may be part of the answer), a reference
    gets its status, and the person stays where they were."""
    flow = turn.library.flow
    own = status.own_ticket(turn, references.find_valid(text))
    if own is not None:
        status.say_status(turn, own)
        if step is not None:
            turn.ask(step)
        return True
    keys = step.choices if step is not None else flow.steps[flow.menu_step].choices
    language = turn.conversation.language
    if language and references.looks_like_reference(text) and choice not in keys:
        # A reference typed at a menu: answered as the status step would, never as "?".
        status.lookup(turn, text, stay=True)
        if step is not None and turn.conversation.step == step.name:
            turn.ask(step)
        return True
    return False


def _between_intakes(turn: Turn, text: str, choice: str) -> None:
    """After an intake: a bare menu digit is a menu choice; other text joins the ticket the
    person was last told about (and the reply says so)."""
    flow = turn.library.flow
    menu = flow.steps[flow.menu_step]
    if turn.conversation.language and choice in menu.choices:
        # Someone who already knows the menu may answer it without being shown it again.
        steps.start_silently(turn, flow.menu_step)
        _answer(turn, menu, text, choice)
        return
    from workflows.followup import satisfaction as closing  # why: subscriber order, above

    if thread.between_intakes(turn, text):
        return
    if _follow_up(turn) or closing.follow_closed(turn, text, set(menu.choices)):
        return
    if turn.conversation.language:
        steps.start_silently(turn, flow.menu_step)
        named = named_choices(turn, menu, text)
        if len(named) == 1:
            _answer(turn, menu, named[0], named[0])
            return
        if suggest(turn, text):
            return
    steps.start(turn, flow.menu_step if turn.conversation.language else flow.start)


def _at_menu(turn: Turn, step: Step, text: str, choice: str) -> None:
    """Words at the menu: a choice named in words starts it, several named are asked about;
    else a suggestion, else the message joins the ticket the centre was talking about;
    "not understood" only when none of these fits."""
    if len(text.split()) > thread.MENU_ANSWER_WORDS and thread.after_menu(turn, text):
        return  # a sentence to the centre, not an answer to the menu
    named = named_choices(turn, step, text)
    if len(named) == 1:
        _answer(turn, step, named[0], named[0])
        return
    if len(named) > 1 and suggest(turn, text):
        return  # «ابني معتقل»: the suggestion written for this very mix decides
    if len(named) > 1:
        options = turn.library.prompts.get(turn.language, step.ask or "").choices
        listed = "\n".join(f"{key}. {options.get(key, key)}" for key in named)
        turn.replies.append(
            Reply(
                "which_choice",
                f"{turn.library.prompts.text(turn.language, 'which_choice')}\n{listed}",
            )
        )
        return
    if suggest(turn, text) or thread.after_menu(turn, text):
        return
    _answer(turn, step, text, choice)


def _at_status_step(turn: Turn, text: str, choice: str) -> None:
    """A reference is looked up; a menu digit (`5` again, say) is a menu choice, not a
    failed look-up."""
    flow = turn.library.flow
    menu = flow.steps[flow.menu_step]
    if choice in menu.choices:
        steps.start_silently(turn, flow.menu_step)
        _answer(turn, menu, text, choice)
        return
    status.lookup(turn, text)


def _answer(turn: Turn, step: Step, text: str, choice: str) -> None:
    """An answer to the step's question, read as the step asks it (a choice, a number or
    words): kept where the step saves it, then on to the next step. An answer that does not
    fit has been told so and asked again (`recovery.invalid`): the person stays."""
    if turn.message.media and not text:
        _media_without_words(turn, step)
        return
    answers = dict(turn.conversation.answers)
    if step.choices:
        next_step = _take_choice(turn, step, text, choice, answers)
    elif step.number is not None:
        next_step = _take_number(turn, step, text, answers)
    else:
        next_step = _take_words(turn, step, text, answers)
    if next_step is None:
        return
    turn.conversation.answers = answers
    steps.enter(turn, next_step)


def _media_without_words(turn: Turn, step: Step) -> None:
    """A photo or a voice note is kept on the ticket; a location or a contact card is not a
    file the person would expect us to keep, so they are simply asked for words."""
    kinds = {str(item.get("kind")) for item in turn.message.media}
    turn.say("need_text" if kinds <= {"location", "contact"} else "media_kept")
    turn.ask(step)


def _take_choice(
    turn: Turn, step: Step, text: str, choice: str, answers: dict[str, Any]
) -> str | None:
    """A choice by its key or named in words; the next step is the choice's own, or the
    question left for a change of language."""
    # A bare number is an option only where the person was shown the numbered options.
    keyed = step.choices.get(choice) if turn.lists_numbers(step) else None
    picked = keyed or _picked_by_words(turn, step, text)
    if picked is None:
        # Asked by name, the question showed no numbers: the sorry says the list follows.
        sorry = "invalid_choice" if turn.lists_numbers(step) else "not_named"
        recovery.invalid(turn, step, sorry)
        return None
    if picked.set_language:
        _speak(turn, picked.set_language)
    if step.save:
        answers[step.save] = picked.value if picked.value is not None else picked.key
    next_step = picked.next or step.next
    if picked.set_language and BACK_AFTER_LANGUAGE in answers:
        next_step = str(answers.pop(BACK_AFTER_LANGUAGE))
    # A step leads somewhere: the flow check refuses a choice that does not.
    assert next_step is not None
    return next_step


def _speak(turn: Turn, language: str) -> None:
    """The chosen language is the person's from now on, on every channel they write from."""
    turn.conversation.language = language
    contact = turn.session.get(Contact, turn.identity.contact_id)
    if contact is not None:
        contact.language = language
        turn.session.add(contact)


def _take_number(turn: Turn, step: Step, text: str, answers: dict[str, Any]) -> str | None:
    """A number within the step's bounds, written in any of the person's digits or words."""
    assert step.number is not None
    number = read.read_number(text, turn.words)
    low, high = step.number
    if number is None or not low <= number <= high:
        recovery.invalid(turn, step, "invalid_number")
        return None
    assert step.save is not None and step.next is not None
    answers[step.save] = number
    return step.next


def _take_words(turn: Turn, step: Step, text: str, answers: dict[str, Any]) -> str | None:
    """Words, however long: a long answer is cut where it is kept, and marked so."""
    if not has_words(text):
        recovery.invalid(turn, step, "need_text")
        return None
    assert step.save is not None and step.next is not None
    if len(text) > MAX_ANSWER:
        # Kept, not refused: the whole text stays in the message, which joins the ticket.
        text = truncate(text, MAX_ANSWER)
        answers[steps.CUT] = [*answers.get(steps.CUT, []), step.save]
    answers[step.save] = text
    return step.next


def _picked_by_words(turn: Turn, step: Step, text: str) -> Choice | None:
    """A choice named in words: a language by its name; else the whole message as a name or
    label of a choice, or as yes or no; else the one choice whose `words:` the message holds
    («أخي» is «أخ», "my brother" is "brother"). A message naming several choices picks none:
    it is asked again, with the numbered options."""
    if any(choice.set_language for choice in step.choices.values()):
        code = read.named_language(text, turn.library.prompts.words)
        return next((c for c in step.choices.values() if c.set_language == code), None)
    assert step.ask is not None
    key = _key_by_name(turn, step, step.ask, text)
    if key is None:
        key = _key_by_label(turn, step, step.ask, text)
    if key is not None:
        return step.choices[key]
    meaning = read.yes_or_no(text, turn.words)
    said = next((c for c in step.choices.values() if meaning and c.value == meaning), None)
    if said is not None:
        return said
    named = named_choices(turn, step, text)
    return step.choices[named[0]] if len(named) == 1 else None


def _key_by_name(turn: Turn, step: Step, ask: str, text: str) -> str | None:
    """A long list asked by name first: a name in any of the centre's languages counts, as
    a person may answer in another language than the one they chose."""
    if step.ask_by_name is None:
        return None
    every = [catalogue[ask].choices for catalogue in turn.library.prompts.prompts.values()]
    return read.name_key(text, [{k: v for k, v in c.items() if k in step.choices} for c in every])


def _key_by_label(turn: Turn, step: Step, ask: str, text: str) -> str | None:
    """A label of the step's menu, as written in the person's language."""
    labels = turn.library.prompts.get(turn.language, ask).choices
    return read.label_key(text, {k: v for k, v in labels.items() if k in step.choices})


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
