"""Prompt texts, one file per language, checked against what the flow asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any

from ccc.tickets.models import Category
from workflows.calendars.callback_words import CALLBACK_PROMPTS
from workflows.chatbot.answers import Words, parse_words
from workflows.files.flow import LANGUAGES, Flow
from workflows.files.yamlfile import LineDict, LoadError, Problem, load


@dataclass(frozen=True)
class Prompt:
    text: str
    choices: dict[str, str]


@dataclass(frozen=True)
class WhatsAppTemplate:
    """An approved WhatsApp template: its Content SID and which value fills each place."""

    content_sid: str
    variables: dict[str, str]


# What a template may stand for, and the values its places may take.
TEMPLATE_PURPOSES = ("closing_notice", "centre_answered")
TEMPLATE_VALUES = ("reference",)


@dataclass(frozen=True)
class Catalogue:
    names: dict[str, str]
    prompts: dict[str, dict[str, Prompt]]
    words: dict[str, Words] = field(default_factory=dict)
    # Per language, per purpose: the approved template (none configured: SMS, else not sent).
    whatsapp_templates: dict[str, dict[str, WhatsAppTemplate]] = field(default_factory=dict)

    def get(self, language: str, key: str) -> Prompt:
        return self.prompts[language][key]

    def text(self, language: str, key: str, **values: str) -> str:
        return self.prompts[language][key].text.format(**values)

    def name(self, language: str) -> str:
        return self.names[language]

    def words_for(self, language: str) -> list[Words]:
        """The person's language's words first, then every other language's."""
        others = [words for code, words in self.words.items() if code != language]
        return [self.words.get(language, Words()), *others]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def parse_prompts(data: Any, name: str) -> tuple[str | None, str, dict[str, Prompt], list[Problem]]:
    problems: list[Problem] = []
    if not isinstance(data, LineDict) or not isinstance(data.get("prompts"), LineDict):
        return None, "", {}, [Problem(name, 1, "a prompt file needs 'language' and 'prompts'")]
    language = data.get("language")
    if language not in LANGUAGES:
        problems.append(Problem(name, data.line_of("language"), f"unknown language {language!r}"))
    prompts: dict[str, Prompt] = {}
    raw_prompts: LineDict = data["prompts"]
    for key, raw in raw_prompts.items():
        line = raw_prompts.line_of(key)
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            problems.append(Problem(name, line, f"prompt {key!r} needs a 'text'"))
            continue
        choices = raw.get("choices", {})
        if not isinstance(choices, dict) or not all(isinstance(v, str) for v in choices.values()):
            problems.append(Problem(name, line, f"prompt {key!r}: choices must be texts"))
            continue
        try:
            _placeholders(raw["text"])
        except ValueError as exc:
            problems.append(Problem(name, line, f"prompt {key!r}: bad placeholder: {exc}"))
            continue
        prompts[key] = Prompt(
            text=raw["text"].strip(), choices={str(k): v for k, v in choices.items()}
        )
    return (str(language) if language else None), str(data.get("name", language)), prompts, problems


def load_catalogue(directory: Path, flow: Flow) -> Catalogue:
    catalogue, problems = check_catalogue(directory, flow)
    if problems or catalogue is None:
        raise LoadError(problems)
    return catalogue


@dataclass
class _Loaded:
    """The prompt files read so far, before they are checked against each other."""

    names: dict[str, str] = field(default_factory=dict)
    prompts: dict[str, dict[str, Prompt]] = field(default_factory=dict)
    words: dict[str, Words] = field(default_factory=dict)
    lines: dict[str, LineDict] = field(default_factory=dict)
    templates: dict[str, dict[str, WhatsAppTemplate]] = field(default_factory=dict)


def check_catalogue(directory: Path, flow: Flow) -> tuple[Catalogue | None, list[Problem]]:
    """Every language present, every prompt the flow uses present with its choices, and the
    same placeholders as in English, so no language can crash a reply with a missing value."""
    loaded = _Loaded()
    problems: list[Problem] = []
    for language in LANGUAGES:
        problems += _load_language(directory / f"{language}.yaml", language, loaded)
    for language, catalogue in loaded.prompts.items():
        file_name = str(directory / f"{language}.yaml")
        lines = loaded.lines[language]
        problems += _check_needed(file_name, catalogue, lines, flow)
        problems += _check_placeholders(file_name, catalogue, lines, loaded.prompts.get("en", {}))
        problems += [
            Problem(file_name, 1, f"prompt {key!r} is missing")
            for key in _ENGINE_PROMPTS
            if key not in catalogue
        ]
    if problems:
        return None, problems
    return Catalogue(
        names=loaded.names,
        prompts=loaded.prompts,
        words=loaded.words,
        whatsapp_templates=loaded.templates,
    ), []


def _load_language(path: Path, language: str, loaded: _Loaded) -> list[Problem]:
    if not path.exists():
        return [Problem(str(path), 1, f"missing prompt file for language {language!r}")]
    data, problems = load(path)
    if problems:
        return problems
    code, name, parsed, problems = parse_prompts(data, str(path))
    if code is not None and code != language:
        problems.append(
            Problem(str(path), 1, f"file says language {code!r}, name says {language!r}")
        )
    loaded.names[language] = name
    loaded.prompts[language] = parsed
    loaded.words[language], found = parse_words(data.get("words"), str(path))
    loaded.lines[language] = data["prompts"] if isinstance(data, LineDict) else LineDict()
    raw = data.get("whatsapp_templates") if isinstance(data, LineDict) else None
    loaded.templates[language], bad = _parse_templates(raw, str(path))
    return problems + found + bad


def _parse_templates(raw: Any, name: str) -> tuple[dict[str, WhatsAppTemplate], list[Problem]]:
    """`whatsapp_templates: {closing_notice: {content_sid: HX..., variables: {"1": reference}}}`"""
    if raw is None:
        return {}, []
    line = raw.line if isinstance(raw, LineDict) else 1
    if not isinstance(raw, dict):
        return {}, [Problem(name, line, "whatsapp_templates must map a purpose to a template")]
    templates: dict[str, WhatsAppTemplate] = {}
    problems: list[Problem] = []
    for purpose, template in raw.items():
        where = raw.line_of(purpose) if isinstance(raw, LineDict) else line
        if purpose not in TEMPLATE_PURPOSES:
            problems.append(
                Problem(name, where, f"whatsapp template {purpose!r}: one of {TEMPLATE_PURPOSES}")
            )
            continue
        sid = template.get("content_sid") if isinstance(template, dict) else None
        variables = template.get("variables", {}) if isinstance(template, dict) else None
        if not isinstance(sid, str) or not sid.startswith("HX"):
            problems.append(
                Problem(name, where, f"whatsapp template {purpose!r} needs a content_sid (HX...)")
            )
            continue
        if not isinstance(variables, dict) or not all(
            str(v) in TEMPLATE_VALUES for v in variables.values()
        ):
            problems.append(
                Problem(
                    name,
                    where,
                    f"whatsapp template {purpose!r}: variables map a place to one of "
                    f"{TEMPLATE_VALUES}",
                )
            )
            continue
        templates[str(purpose)] = WhatsAppTemplate(
            sid, {str(k): str(v) for k, v in variables.items()}
        )
    return templates, problems


def _check_needed(
    file_name: str, catalogue: dict[str, Prompt], lines: LineDict, flow: Flow
) -> list[Problem]:
    """Each prompt the flow uses, with the choices its step offers."""
    problems: list[Problem] = []
    for key, (line, choice_keys) in flow.prompt_keys().items():
        prompt = catalogue.get(key)
        if prompt is None:
            problems.append(
                Problem(file_name, 1, f"prompt {key!r} (used in {flow.path}:{line}) is missing")
            )
            continue
        missing = sorted(choice_keys - set(prompt.choices))
        if missing:
            problems.append(
                Problem(file_name, lines.line_of(key), f"prompt {key!r} lacks choices {missing}")
            )
    return problems


def _check_placeholders(
    file_name: str, catalogue: dict[str, Prompt], lines: LineDict, english: dict[str, Prompt]
) -> list[Problem]:
    problems: list[Problem] = []
    for key, prompt in catalogue.items():
        reference = english.get(key)
        if reference is None or _placeholders(prompt.text) == _placeholders(reference.text):
            continue
        problems.append(
            Problem(
                file_name,
                lines.line_of(key),
                f"prompt {key!r} has placeholders {sorted(_placeholders(prompt.text))}, "
                f"English has {sorted(_placeholders(reference.text))}",
            )
        )
    return problems


# Prompts the engine itself says, whatever the flow.
_ENGINE_PROMPTS = (
    "status",
    "status_new",
    "status_open",
    "status_referred",
    "status_pending",
    "status_resolved",
    "status_closed",
    "reference_invalid",
    "reference_unknown",
    "too_many_attempts",
    "invalid_choice",
    "not_named",
    "need_text",
    "invalid_number",
    "media_kept",
    "added_to_case",
    "joined_request",
    "reopened",
    "ticket_resolved",
    "link_confirm",
    "link_done",
    "link_declined",
    "offer_person",
    "callback_not_understood",
    "resume_offer",
    # One thread per person (workflows/chatbot/thread.py).
    "centre_closed",
    "which_request",
    "which_choice",
    *(f"category_{category}" for category in Category),
    *CALLBACK_PROMPTS,
)
