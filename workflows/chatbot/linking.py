"""Joining a chat to a phone number the person shares, only once they confirm it is theirs."""

from __future__ import annotations

from ccc.channels.port import Button
from ccc.contacts.service import link_phone
from ccc.messages.models import Message
from workflows.chatbot.replies import Reply
from workflows.chatbot.turn import Turn

LINK_STEP = "_confirm_phone_link"
_LINK_PHONE = "_link_phone"
_LINK_RETURN = "_link_return"


def shared_phone(message: Message) -> str | None:
    for item in message.media:
        if item.get("kind") == "contact" and str(item.get("url", "")).startswith("tel:+"):
            return str(item["url"])[4:]
    return None


def offer_link(turn: Turn, phone: str) -> None:
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


def confirm_link(turn: Turn, choice: str) -> None:
    conversation = turn.conversation
    answers = dict(conversation.answers)
    if choice not in ("1", "2"):
        offer_link(turn, str(answers.get(_LINK_PHONE, "")))
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
