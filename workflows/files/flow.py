"""Flows as data: the model of a flow file, and its validation with `file:line` problems.

A bad file never half-loads: `load_flow` returns a complete, checked `Flow` or raises
`LoadError` listing every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ccc.tickets.models import Category
from workflows.files.yamlfile import LineDict, LineList, LoadError, Problem, load
from workflows.matching import Matcher, normalise

_CHOICE_KEY = re.compile(r"^\d{1,2}$")
_STEP_KEYS = {
    "ask",
    "ask_by_name",
    "save",
    "choices",
    "next",
    "number",
    "create_ticket",
    "say",
    "lookup_reference",
}
_CHOICE_KEYS = {"value", "next", "set_language", "words"}
_FLOW_KEYS = {
    "name",
    "start",
    "menu_step",
    "menu_words",
    "callback_step",
    "keep_answers_hours",
    "steps",
}
LANGUAGES = ("ar", "ckb", "kmr", "en")


@dataclass(frozen=True)
class Choice:
    key: str
    value: str | None = None
    next: str | None = None
    set_language: str | None = None
    # Words that name this choice, per language («مفقود», "missing", «کوڕم»): a message
    # naming one choice takes it, one naming several is asked which (workflows.matching).
    words: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    name: str
    line: int
    ask: str | None = None
    save: str | None = None
    choices: dict[str, Choice] = field(default_factory=dict)
    next: str | None = None
    number: tuple[int, int] | None = None
    create_ticket: dict[str, Any] | None = None
    say: str | None = None
    lookup_reference: bool = False
    # A long list asked first by name (this prompt, without the numbers: cheaper by SMS); the
    # numbered list of `ask` comes only after an answer that names no choice.
    ask_by_name: str | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    path: str
    start: str
    menu_step: str
    menu_words: frozenset[str]
    steps: dict[str, Step]
    # Where a person goes who asks for, or needs, a person: a step that creates the callback
    # request. Without one, the chatbot never offers 0 on its own.
    callback_step: str | None = None
    # How long the answers of an intake left half-way are kept for the person to continue.
    keep_answers: timedelta = timedelta(0)

    def prompt_keys(self) -> dict[str, tuple[int, set[str]]]:
        """Each prompt key the flow uses, with a line that uses it and the choices it needs."""
        keys: dict[str, tuple[int, set[str]]] = {}
        for step in self.steps.values():
            for key in (step.ask, step.say, step.ask_by_name):
                if key is None:
                    continue
                line, needed = keys.get(key, (step.line, set()))
                if key == step.ask and not any(c.set_language for c in step.choices.values()):
                    needed |= set(step.choices)
                keys[key] = (line, needed)
        return keys


def load_flow(path: Path) -> Flow:
    data, problems = load(path)
    if problems:
        raise LoadError(problems)
    flow, problems = parse_flow(data, str(path))
    if problems or flow is None:
        raise LoadError(problems)
    return flow


def parse_flow(data: Any, name: str) -> tuple[Flow | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(name, line, message))

    if not isinstance(data, LineDict):
        return None, [Problem(name, 1, "a flow file is a mapping with 'name', 'start', 'steps'")]
    _check_flow_keys(data, problem)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, LineDict) or not raw_steps:
        problem(data.line_of("steps"), "'steps' must be a mapping of step names to steps")
        return None, problems
    steps: dict[str, Step] = {}
    for step_name, raw in raw_steps.items():
        step = _parse_step(step_name, raw, raw_steps.line_of(step_name), problem)
        if step is not None:
            steps[step_name] = step
    start = str(data.get("start", ""))
    menu_step = str(data.get("menu_step", start))
    callback = data.get("callback_step")
    _check_targets(data, raw_steps, steps, problem)
    _check_reachable(steps, start, menu_step, problem)
    words, keep = _options(data, problem)
    if problems:
        return None, problems
    flow = Flow(
        name=str(data["name"]),
        path=name,
        start=start,
        menu_step=menu_step,
        menu_words=frozenset(w.casefold() for w in words),
        steps=steps,
        callback_step=str(callback) if callback else None,
        keep_answers=timedelta(hours=keep),
    )
    return flow, problems


def _check_flow_keys(data: LineDict, problem: Any) -> None:
    for key in ("name", "start", "steps"):
        if key not in data:
            problem(data.line, f"missing '{key}'")
    for key in data:
        if key not in _FLOW_KEYS:
            problem(data.line_of(key), f"unknown key {key!r}; a flow has {sorted(_FLOW_KEYS)}")


def _check_targets(
    data: LineDict, raw_steps: LineDict, steps: dict[str, Step], problem: Any
) -> None:
    """Every step a flow or a step names exists (checked against the raw names, so a step
    with a problem of its own is not reported again as unknown)."""
    start = str(data.get("start", ""))
    named = [
        ("start", start),
        ("menu_step", str(data.get("menu_step", start))),
        ("callback_step", data.get("callback_step")),
    ]
    for key, target in named:
        if target and target not in raw_steps:
            problem(data.line_of(key), f"{key} names an unknown step {target!r}")
    for step in steps.values():
        targets = [step.next] + [choice.next for choice in step.choices.values()]
        for goal in targets:
            if goal is not None and goal not in raw_steps:
                problem(step.line, f"step {step.name!r} goes to an unknown step {goal!r}")


def _options(data: LineDict, problem: Any) -> tuple[list[str], float]:
    """The menu words and the hours an unfinished intake is kept."""
    words = data.get("menu_words", ["menu"])
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        problem(data.line_of("menu_words"), "'menu_words' must be a list of words")
        words = ["menu"]
    keep = data.get("keep_answers_hours", 0)
    if not isinstance(keep, int | float) or isinstance(keep, bool) or keep < 0:
        problem(data.line_of("keep_answers_hours"), "'keep_answers_hours' must be hours, >= 0")
        keep = 0
    return words, keep


def _parse_step(name: str, raw: Any, line: int, problem: Any) -> Step | None:
    if not isinstance(raw, LineDict):
        problem(line, f"step {name!r} must be a mapping")
        return None
    for key in raw:
        if key not in _STEP_KEYS:
            problem(raw.line_of(key), f"step {name!r} has an unknown key {key!r}")
    choices = _parse_choices(name, raw, problem)
    _check_words_apart(name, raw, choices, problem)
    number = _parse_number(name, raw, problem)
    create = _parse_create(name, raw, problem)
    _check_shape(name, raw, line, choices, problem)
    return Step(
        name=name,
        line=line,
        ask=_str_or_none(raw.get("ask")),
        save=_str_or_none(raw.get("save")),
        choices=choices,
        next=_str_or_none(raw.get("next")),
        number=number,
        create_ticket=create,
        say=_str_or_none(raw.get("say")),
        lookup_reference=bool(raw.get("lookup_reference", False)),
        ask_by_name=_str_or_none(raw.get("ask_by_name")),
    )


def _parse_choices(name: str, raw: LineDict, problem: Any) -> dict[str, Choice]:
    choices: dict[str, Choice] = {}
    raw_choices = raw.get("choices")
    if raw_choices is None:
        return choices
    if not isinstance(raw_choices, LineDict) or not raw_choices:
        problem(raw.line_of("choices"), f"step {name!r}: 'choices' must be a mapping")
        return choices
    for key, value in raw_choices.items():
        choice = _parse_choice(name, key, value, raw_choices.line_of(key), problem)
        if choice is not None:
            choices[key] = choice
    return choices


def _parse_number(name: str, raw: LineDict, problem: Any) -> tuple[int, int] | None:
    if "number" not in raw:
        return None
    bounds = raw["number"]
    if (
        not isinstance(bounds, dict)
        or not isinstance(bounds.get("min"), int)
        or not isinstance(bounds.get("max"), int)
        or bounds["min"] > bounds["max"]
    ):
        problem(raw.line_of("number"), f"step {name!r}: 'number' needs integer min <= max")
        return None
    return (bounds["min"], bounds["max"])


def _parse_create(name: str, raw: LineDict, problem: Any) -> dict[str, Any] | None:
    create = raw.get("create_ticket")
    if create is None:
        return None
    line = raw.line_of("create_ticket")
    if not isinstance(create, dict) or "category" not in create:
        problem(line, f"step {name!r}: create_ticket needs a category")
        return None
    if create["category"] not in {c.value for c in Category}:
        problem(line, f"step {name!r}: unknown category {create['category']!r}")
    elif not isinstance(create.get("answers", {}), dict):
        problem(line, f"step {name!r}: answers must be a mapping")
    return dict(create)


def _asks(raw: LineDict) -> bool:
    """A question the flow itself answers: a reference look-up reads the reply on its own."""
    return "ask" in raw and not raw.get("lookup_reference")


def _leads_nowhere(raw: LineDict, choices: dict[str, Choice]) -> bool:
    """Without its own `next`, every choice must name where it goes (and there must be one)."""
    return "next" not in raw and (not choices or any(c.next is None for c in choices.values()))


# Each rule of a step's shape: (is the step wrong this way?, what to tell the writer after
# "step 'name'"). Listed in the order the problems are reported.
_SHAPE_RULES: tuple[tuple[Callable[[LineDict, dict[str, Choice]], bool], str], ...] = (
    (
        lambda raw, _: (
            "ask" not in raw and not (raw.get("create_ticket") or raw.get("lookup_reference"))
        ),
        " neither asks nor acts (needs 'ask' or 'create_ticket')",
    ),
    (
        lambda raw, _: bool(raw.get("create_ticket")) and "say" not in raw,
        " creates a ticket but says nothing ('say' is missing)",
    ),
    (
        lambda raw, choices: "ask_by_name" in raw and not choices,
        ": ask_by_name needs the choices it names",
    ),
    (
        lambda raw, choices: _asks(raw) and "save" not in raw and not choices,
        " asks a question but neither saves nor offers choices",
    ),
    (
        lambda raw, choices: _asks(raw) and _leads_nowhere(raw, choices),
        ": where does it go next? ('next' is missing)",
    ),
)


def _check_shape(
    name: str, raw: LineDict, line: int, choices: dict[str, Choice], problem: Any
) -> None:
    """A step asks or acts, says what it created, and knows where it goes next."""
    for wrong, told in _SHAPE_RULES:
        if wrong(raw, choices):
            problem(line, f"step {name!r}{told}")


def _parse_choice(step: str, key: str, raw: Any, line: int, problem: Any) -> Choice | None:
    if not _CHOICE_KEY.match(key):
        problem(line, f"step {step!r}: choice {key!r} must be a number a person can key in")
        return None
    if not isinstance(raw, dict):
        problem(line, f"step {step!r}: choice {key!r} must be a mapping")
        return None
    for field_name in raw:
        if field_name not in _CHOICE_KEYS:
            problem(line, f"step {step!r}: choice {key!r} has an unknown key {field_name!r}")
    language = raw.get("set_language")
    if language is not None and language not in LANGUAGES:
        problem(line, f"step {step!r}: unknown language {language!r}; one of {LANGUAGES}")
    return Choice(
        key=key,
        value=_str_or_none(raw.get("value")),
        next=_str_or_none(raw.get("next")),
        set_language=_str_or_none(language),
        words=_choice_words(step, key, raw.get("words"), line, problem),
    )


def _choice_words(
    step: str, key: str, raw: Any, line: int, problem: Any
) -> dict[str, tuple[str, ...]]:
    """`words: {ar: [مفقود, ابني], en: [missing, my son], ...}`: one list per language, each
    entry a word or phrase that has letters to match and is not a number (a number picks an
    option only where the numbered list was shown)."""
    if raw is None:
        return {}
    where = f"step {step!r}: choice {key!r}"
    if not isinstance(raw, dict):
        problem(line, f"{where}: 'words' must map each language to a list of words")
        return {}
    words: dict[str, tuple[str, ...]] = {}
    for language, listed in raw.items():
        at = raw.line_of(language) if isinstance(raw, LineDict) else line
        if language not in LANGUAGES:
            problem(at, f"{where}: words in unknown language {language!r}; one of {LANGUAGES}")
            continue
        if not isinstance(listed, list):
            problem(at, f"{where}: words in {language!r} must be a list of words")
            continue
        kept = [
            word.strip()
            for index, word in enumerate(listed)
            if _good_word(where, language, word, _item_line(listed, index, at), problem)
        ]
        words[str(language)] = tuple(kept)
    missing = [language for language in LANGUAGES if language not in words]
    if words and missing:
        problem(line, f"{where}: words are missing in {', '.join(missing)}")
    return words


def _item_line(listed: list[Any], index: int, default: int) -> int:
    return listed.line_at(index) if isinstance(listed, LineList) else default


def _good_word(where: str, language: str, word: Any, line: int, problem: Any) -> bool:
    """One entry of a `words:` list: a word or phrase with letters, not a number."""
    if not isinstance(word, str) or not word.strip():
        problem(line, f"{where}: {word!r} in the {language!r} words is not a word")
        return False
    folded = normalise(word)
    if not folded:
        problem(line, f"{where}: «{word}» in the {language!r} words has no letters to match")
        return False
    if folded.replace(" ", "").isdigit():
        problem(
            line,
            f"{where}: «{word}» in the {language!r} words is a number; a number picks an "
            "option only where the numbered list is shown, never as a word",
        )
        return False
    return True


def _check_words_apart(name: str, raw: LineDict, choices: dict[str, Choice], problem: Any) -> None:
    """A listed word must name its own choice only: one that another choice's words also
    match (in any of its forms: «ابني» holds «اب» plus the suffix «ني») could never be
    picked by itself, and is reported where it is written."""
    raw_choices = raw.get("choices")
    for key, choice in choices.items():
        others = [
            (other, Matcher(listed, language))
            for other, c in choices.items()
            if other != key
            for language, listed in c.words.items()
        ]
        for language, listed in choice.words.items():
            for index, word in enumerate(listed):
                also = [(other, found) for other, m in others for found in m.found(word)]
                if also:
                    other, found = also[0]
                    problem(
                        _word_line(raw_choices, key, language, index),
                        f"step {name!r}: «{word}» of choice {key!r} is also «{found}» of "
                        f"choice {other!r} (with its affixes); a word must name one choice only",
                    )


def _word_line(raw_choices: Any, key: str, language: str, index: int) -> int:
    raw_words = raw_choices[key].get("words") if isinstance(raw_choices, LineDict) else None
    listed = raw_words.get(language) if isinstance(raw_words, LineDict) else None
    if isinstance(listed, LineList):
        return listed.line_at(index)
    return raw_choices.line_of(key) if isinstance(raw_choices, LineDict) else 0


def _check_reachable(steps: dict[str, Step], start: str, menu: str, problem: Any) -> None:
    seen: set[str] = set()
    todo = [s for s in (start, menu) if s in steps]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        step = steps[name]
        todo += [t for t in [step.next, *(c.next for c in step.choices.values())] if t in steps]
    for name, step in steps.items():
        if name not in seen:
            problem(step.line, f"step {name!r} cannot be reached from {start!r}")


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
