"""No dead ends: a person the chatbot keeps misunderstanding is offered a person and then
called back, and an intake interrupted by a timeout can be continued where it stopped."""

from __future__ import annotations

from ccc.channels.port import Button
from workflows.chatbot import answers as read
from workflows.chatbot import steps
from workflows.chatbot.replies import Reply, with_choices
from workflows.chatbot.turn import Turn
from workflows.files.flow import Step

OFFER_PERSON_AFTER = 3  # misunderstood answers in a row before 0 is offered
CALL_BACK_AFTER = 5  # ... before the chatbot asks the centre to call the person back
RESUME_STEP = "_resume"
_RESUME_AT = "_resume_at"


def invalid(turn: Turn, step: Step, key: str) -> None:
    """An answer the chatbot did not understand: say so and ask again, offering a person
    after three in a row and creating a callback request after five."""
    conversation = turn.conversation
    conversation.invalid_inputs += 1
    if any(choice.set_language for choice in step.choices.values()):
        turn.ask(step)  # no language yet to say "sorry" in: the menu says it in all four
        return
    callback = turn.library.flow.callback_step
    if callback is not None and conversation.invalid_inputs >= CALL_BACK_AFTER:
        conversation.answers = {**conversation.answers, "callback_reason": "not_understood"}
        turn.say("callback_not_understood")
        steps.enter(turn, callback)
        return
    sorry = turn.library.prompts.text(turn.language, key)
    if callback is not None and conversation.invalid_inputs >= OFFER_PERSON_AFTER:
        sorry = f"{sorry} {turn.library.prompts.text(turn.language, 'offer_person')}"
    turn.replies.append(Reply(key, sorry))
    turn.ask(step)


def wants_person(turn: Turn, step: Step | None, choice: str) -> bool:
    """`0` after the chatbot offered a person, where 0 is not already one of the choices."""
    return (
        choice == "0"
        and step is not None
        and "0" not in step.choices
        and turn.library.flow.callback_step is not None
        and turn.conversation.invalid_inputs >= OFFER_PERSON_AFTER
    )


def to_person(turn: Turn) -> None:
    """As the main menu's 0: the confirmation first, then the callback request."""
    flow = turn.library.flow
    zero = flow.steps[flow.menu_step].choices.get("0")
    steps.enter(turn, zero.next if zero and zero.next else str(flow.callback_step))


def may_resume(turn: Turn) -> bool:
    """A timed-out conversation stopped in the middle of an intake, recently enough."""
    conversation = turn.conversation
    flow = turn.library.flow
    step = flow.steps.get(conversation.step or "")
    answered = any(not key.startswith("_") for key in conversation.answers)
    return (
        step is not None
        and not step.lookup_reference
        and answered
        and conversation.updated_at is not None
        and turn.now - conversation.updated_at <= flow.keep_answers
    )


def offer_resume(turn: Turn) -> None:
    conversation = turn.conversation
    conversation.answers = {**conversation.answers, _RESUME_AT: conversation.step}
    conversation.step = RESUME_STEP
    conversation.invalid_inputs = 0
    _ask_resume(turn)


def answer_resume(turn: Turn, text: str, choice: str) -> None:
    """1 (or yes, or the label) continues with the question where the person stopped;
    2 starts over at the main menu."""
    prompt = turn.library.prompts.get(turn.language, "resume_offer")
    meaning = read.yes_or_no(text, turn.words)
    key = choice if choice in prompt.choices else read.label_key(text, prompt.choices)
    if key is None and meaning is not None:
        key = "1" if meaning == "yes" else "2"
    conversation = turn.conversation
    if key == "1":
        answers = dict(conversation.answers)
        back = str(answers.pop(_RESUME_AT))
        conversation.answers = answers
        steps.enter(turn, back)
        return
    if key == "2":
        steps.start(turn, turn.library.flow.menu_step)
        return
    turn.say("invalid_choice")
    _ask_resume(turn)


def _ask_resume(turn: Turn) -> None:
    prompt = turn.library.prompts.get(turn.language, "resume_offer")
    buttons = tuple(Button(key, label) for key, label in prompt.choices.items())
    turn.replies.append(Reply("resume_offer", with_choices(prompt.text, prompt.choices), buttons))
