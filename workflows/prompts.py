"""Prompt texts, one file per language, checked against what the flow asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any

from workflows.answers import Words, parse_words
from workflows.callback_words import CALLBACK_PROMPTS
from workflows.flow import LANGUAGES, Flow
from workflows.yamlfile import LineDict, LoadError, Problem, load


@dataclass(frozen=True)
class Prompt:
    text: str
    choices: dict[str, str]


@dataclass(frozen=True)
class Catalogue:
    names: dict[str, str]
    prompts: dict[str, dict[str, Prompt]]
    words: dict[str, Words] = field(default_factory=dict)

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


def check_catalogue(directory: Path, flow: Flow) -> tuple[Catalogue | None, list[Problem]]:
    """Every language present, every prompt the flow uses present with its choices, and the
    same placeholders as in English, so no language can crash a reply with a missing value."""
    problems: list[Problem] = []
    names: dict[str, str] = {}
    prompts: dict[str, dict[str, Prompt]] = {}
    words: dict[str, Words] = {}
    lines: dict[str, LineDict] = {}
    for language in LANGUAGES:
        path = directory / f"{language}.yaml"
        if not path.exists():
            problems.append(Problem(str(path), 1, f"missing prompt file for language {language!r}"))
            continue
        data, found = load(path)
        problems += found
        if found:
            continue
        code, name, parsed, found = parse_prompts(data, str(path))
        problems += found
        if code is not None and code != language:
            problems.append(
                Problem(str(path), 1, f"file says language {code!r}, name says {language!r}")
            )
        names[language] = name
        prompts[language] = parsed
        words[language], found = parse_words(data.get("words"), str(path))
        problems += found
        lines[language] = data["prompts"] if isinstance(data, LineDict) else LineDict()
    needed = flow.prompt_keys()
    reference = prompts.get("en", {})
    for language, catalogue in prompts.items():
        file_name = str(directory / f"{language}.yaml")
        for key, (line, choice_keys) in needed.items():
            prompt = catalogue.get(key)
            if prompt is None:
                problems.append(
                    Problem(file_name, 1, f"prompt {key!r} (used in {flow.path}:{line}) is missing")
                )
                continue
            missing = sorted(choice_keys - set(prompt.choices))
            if missing:
                problems.append(
                    Problem(
                        file_name,
                        lines[language].line_of(key),
                        f"prompt {key!r} lacks choices {missing}",
                    )
                )
        for key, prompt in catalogue.items():
            english = reference.get(key)
            if english is not None and _placeholders(prompt.text) != _placeholders(english.text):
                problems.append(
                    Problem(
                        file_name,
                        lines[language].line_of(key),
                        f"prompt {key!r} has placeholders {sorted(_placeholders(prompt.text))}, "
                        f"English has {sorted(_placeholders(english.text))}",
                    )
                )
    for key in _ENGINE_PROMPTS:
        for language, catalogue in prompts.items():
            if key not in catalogue:
                problems.append(
                    Problem(str(directory / f"{language}.yaml"), 1, f"prompt {key!r} is missing")
                )
    if problems:
        return None, problems
    return Catalogue(names=names, prompts=prompts, words=words), []


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
    *CALLBACK_PROMPTS,
)
