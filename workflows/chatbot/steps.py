"""Walking the flow: where a conversation stands, entering a step, and creating the ticket
that ends an intake."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, update

from ccc.access.policy import Caller
from ccc.calls.callbacks import request_by_text
from ccc.conversations.models import Conversation
from ccc.messages.models import Message
from ccc.tickets.models import Ticket
from ccc.tickets.service import record
from workflows.chatbot.duplicates import open_or_join
from workflows.chatbot.turn import Turn
from workflows.files.flow import Step

SINCE = "_since_message_id"  # the first message of this intake, to join the new ticket
CUT = "_cut"  # answers cut at MAX_ANSWER, noted on the ticket
MAX_ANSWER = 1500
CHATBOT = Caller(user_id=None, name="chatbot", role="system")


def reset(conversation: Conversation, *, keep_ticket: bool = False) -> None:
    conversation.step = None
    conversation.answers = {}
    if not keep_ticket:
        conversation.ticket_id = None
    conversation.invalid_inputs = 0


def start(turn: Turn, step_name: str) -> None:
    start_silently(turn, step_name)
    enter(turn, step_name)


def start_silently(turn: Turn, step_name: str) -> None:
    reset(turn.conversation)
    turn.conversation.answers = {SINCE: turn.message.id}
    turn.conversation.step = step_name


def enter(turn: Turn, step_name: str) -> None:
    answered = any(not key.startswith("_") for key in turn.conversation.answers)
    if step_name == turn.library.flow.menu_step and answered:
        # Back at the menu after answers (no to a callback in the middle of an intake): nothing
        # of the intake left behind may join the next one, neither answers nor messages.
        start_silently(turn, step_name)
    step = turn.library.flow.steps[step_name]
    conversation = turn.conversation
    conversation.step = step_name
    conversation.invalid_inputs = 0
    if step.create_ticket is not None:
        if not turn.hold_ticket:
            create(turn, step)
        return
    turn.ask(step)


def _on_the_callback_list(turn: Turn, ticket: Ticket, answers: dict[str, Any]) -> None:
    """A callback asked for by text (`0`, or the chatbot's own after answers it kept
    misunderstanding) is on the callbacks list like the phone line's, with the person's
    safety answers when the flow asked them."""
    request_by_text(
        turn.session,
        ticket=ticket,
        language=turn.conversation.language,
        safe_to_call=_yes_no(answers.get("safe_to_call")),
        may_leave_message=_yes_no(answers.get("may_leave_message")),
        automatic=answers.get("callback_reason") == "not_understood",
    )


def _yes_no(answer: Any) -> bool | None:
    return {"yes": True, "no": False}.get(str(answer)) if answer is not None else None


def create(turn: Turn, step: Step) -> None:
    assert step.create_ticket is not None and step.say is not None
    conversation = turn.conversation
    answers = {k: v for k, v in conversation.answers.items() if not k.startswith("_")}
    answers.update(step.create_ticket.get("answers", {}))

    category = step.create_ticket["category"]
    ticket, joined = open_or_join(turn, category=category, answers=answers)
    since = conversation.answers.get(SINCE, turn.message.id)
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
    for key in conversation.answers.get(CUT, []):
        note = (
            f"The answer {key!r} was longer than {MAX_ANSWER} characters and is cut; "
            "the whole text is in the person's message in this timeline."
        )
        record(turn.session, ticket=ticket, kind="note", caller=CHATBOT, text=note)
    if answers.get("request") == "callback" and not joined:
        _on_the_callback_list(turn, ticket, answers)
    reset(conversation)
    conversation.ticket_id = ticket.id
    key = "joined_request" if joined else step.say
    turn.say(key, reference=turn.reference(ticket), when=turn.when_we_call())
