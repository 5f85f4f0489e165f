"""What the chatbot says, as text and buttons: questions with their numbered choices, and
references written so that they read in order in every script."""

from __future__ import annotations

from dataclasses import dataclass

from ccc.channels.port import Button
from ccc.tickets import references
from workflows.files.flow import LANGUAGES, Step
from workflows.files.prompts import Catalogue

RIGHT_TO_LEFT = frozenset({"ar", "ckb", "kmr"})


@dataclass(frozen=True)
class Reply:
    key: str
    text: str
    buttons: tuple[Button, ...] = ()
    # The placeholders' values: the voice line speaks a reference digit by digit from these.
    values: tuple[tuple[str, str], ...] = ()


def readable_reference(reference: str, language: str) -> str:
    return references.for_reading(reference, right_to_left=language in RIGHT_TO_LEFT)


def with_choices(text: str, choices: dict[str, str]) -> str:
    return "\n".join([text, *(f"{key} {label}" for key, label in choices.items())])


def render_question(
    prompts: Catalogue, step: Step, language: str, values: dict[str, str] | None = None
) -> Reply:
    """The question's text (its placeholders filled from `values`) with its numbered choices,
    and the same choices as buttons."""
    assert step.ask is not None
    if any(choice.set_language for choice in step.choices.values()):
        return render_languages(prompts, step)
    prompt = prompts.get(language, step.ask)
    text = prompt.text.format(**values) if values else prompt.text
    pairs = tuple((values or {}).items())
    if not step.choices:
        return Reply(step.ask, text, values=pairs)
    labels = {key: prompt.choices[key] for key in step.choices}
    buttons = tuple(Button(key, label) for key, label in labels.items())
    return Reply(step.ask, with_choices(text, labels), buttons, values=pairs)


def render_by_name(prompts: Catalogue, step: Step, language: str) -> Reply:
    """A long list's question asked by name: the short text alone by SMS; the choices still
    as buttons where the channel shows them (they cost nothing there). No number is shown,
    so a button sends its name, as if the person had typed it: a typed `1` is not an answer
    here (`Turn.lists_numbers`), a pressed «بغداد» is."""
    assert step.ask is not None and step.ask_by_name is not None
    labels = prompts.get(language, step.ask).choices
    buttons = tuple(Button(labels[key], labels[key]) for key in step.choices)
    return Reply(step.ask_by_name, prompts.text(language, step.ask_by_name), buttons)


def render_languages(prompts: Catalogue, step: Step) -> Reply:
    """The language menu: every language's greeting on a line of its own (so each line keeps
    its own direction), then each language named in itself."""
    assert step.ask is not None
    greetings = [prompts.text(language, step.ask) for language in LANGUAGES]
    labels = {key: prompts.name(c.set_language or "") for key, c in step.choices.items()}
    buttons = tuple(Button(key, label) for key, label in labels.items())
    return Reply(step.ask, with_choices("\n".join(greetings), labels), buttons)
