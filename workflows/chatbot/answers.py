"""Reading what people answer as they really write it: words for yes and no, numbers in words,
menu and language words with Iraqi spellings and stray punctuation.

The words themselves are data, listed per language under `words:` in the prompt files; this
module only folds text so that one listed spelling matches the ways people type it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ccc.kernel.text import clean, normalise_digits
from workflows.files.yamlfile import LineDict, Problem

# Spellings that people use interchangeably: hamza forms of alef, taa marbuta and haa, alef
# maqsura and yaa, Arabic and Persian yaa and kaf. Kurdish ە and ه stay apart: they are two
# letters in Kurdish.
_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ك": "ک"}
)
_MARKS = re.compile("[\u064b-\u065f\u0670]")  # Arabic short vowels, shadda, sukun
_NUMBER = re.compile(r"\d+")
_WORD_KEYS = {"yes", "no", "language", "names", "numbers"}


@dataclass(frozen=True)
class Words:
    """One language's words that the chatbot understands besides the numbers of a menu."""

    yes: frozenset[str] = frozenset()
    no: frozenset[str] = frozenset()
    language: frozenset[str] = frozenset()  # "bring back the language menu"
    names: frozenset[str] = frozenset()  # this language, by name
    numbers: dict[str, int] = field(default_factory=dict)


def fold(text: str) -> str:
    """The text as compared with listed words: no case, vowel marks, punctuation or symbols,
    and one spelling for letters that people write either way."""
    text = _MARKS.sub("", normalise_digits(clean(text)).casefold()).translate(_LETTERS)
    kept = "".join(" " if unicodedata.category(ch)[0] in "PS" else ch for ch in text)
    return " ".join(kept.split())


def folded(words: Iterable[str]) -> frozenset[str]:
    return frozenset(fold(word) for word in words) - {""}


@lru_cache(maxsize=16)
def _menu(words: frozenset[str]) -> frozenset[str]:
    return folded(words)


def is_menu_word(text: str, menu_words: frozenset[str]) -> bool:
    """The whole message is a menu word (`Menu!`, `main menu`, `القائمه`)."""
    return fold(text) in _menu(menu_words)


def wants_language(text: str, words: Iterable[Words]) -> bool:
    """The whole message asks for the language menu, or names a language."""
    key = fold(text)
    return any(key in language.language or key in language.names for language in words)


def named_language(text: str, words: dict[str, Words]) -> str | None:
    """The one language that the message names (`English`, `عربي`); None when it names none
    or several (`کوردی` is Sorani and Badini)."""
    key = fold(text)
    named = [code for code, language in words.items() if key in language.names]
    return named[0] if len(named) == 1 else None


def label_key(text: str, labels: dict[str, str]) -> str | None:
    """The key of the choice whose label the message repeats (`نعم`, `Continue`)."""
    key = fold(text)
    found = [choice for choice, label in labels.items() if fold(label) == key]
    return found[0] if len(found) == 1 else None


def name_key(text: str, label_sets: Iterable[dict[str, str]]) -> str | None:
    """The key of the choice a free answer names, in any language's labels: `البصرة`, `بصرة`,
    `Basra`, `الديوانية` for «القادسية (الديوانية)». None unless exactly one choice is named."""
    key = _without_article(fold(text))
    found = {
        choice
        for labels in label_sets
        for choice, label in labels.items()
        for name in re.split(r"[()/]", label)
        if fold(name) and _without_article(fold(name)) == key
    }
    return found.pop() if len(found) == 1 else None


def _without_article(text: str) -> str:
    return text[2:] if text.startswith("ال") and len(text) > 3 else text


def yes_or_no(text: str, words: Iterable[Words]) -> str | None:
    """ "yes" or "no" when the whole message is one of the listed words (in any language:
    the first language given wins where two disagree)."""
    key = fold(text)
    for language in words:
        if key in language.yes:
            return "yes"
        if key in language.no:
            return "no"
    return None


def read_number(text: str, words: Iterable[Words]) -> int | None:
    """The one number in an answer: `5`, `٥ أشخاص`, `5 persons`, `خمسة`, `پێنج`, `five`."""
    key = fold(text)
    digits = _NUMBER.findall(key)
    if digits:
        return int(digits[0]) if len(digits) == 1 else None
    padded = f" {key} "
    best: tuple[int, int] | None = None  # (length of the phrase, its value)
    for language in words:
        for phrase, value in language.numbers.items():
            if f" {phrase} " in padded and (best is None or len(phrase) > best[0]):
                best = (len(phrase), value)
    return best[1] if best else None


def _numbers(raw: LineDict, name: str, problems: list[Problem]) -> dict[str, int]:
    """`words.numbers`: a word for each whole number; a problem reported, else no numbers."""
    numbers = raw.get("numbers", {})
    if isinstance(numbers, dict) and all(
        isinstance(k, str) and isinstance(v, int) for k, v in numbers.items()
    ):
        return numbers
    problems.append(
        Problem(name, raw.line_of("numbers"), "words.numbers maps a word to a whole number")
    )
    return {}


def parse_words(raw: Any, name: str) -> tuple[Words, list[Problem]]:
    """The `words:` mapping of a prompt file; a missing one is no words at all."""
    if raw is None:
        return Words(), []
    line = raw.line if isinstance(raw, LineDict) else 1
    if not isinstance(raw, LineDict):
        return Words(), [Problem(name, line, "'words' must be a mapping")]
    problems = [
        Problem(
            name,
            raw.line_of(key),
            f"unknown key {key!r} under 'words'; one of {sorted(_WORD_KEYS)}",
        )
        for key in raw
        if key not in _WORD_KEYS
    ]
    lists: dict[str, frozenset[str]] = {}
    for key in ("yes", "no", "language", "names"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            problems.append(Problem(name, raw.line_of(key), f"words.{key} must be a list of words"))
            value = []
        lists[key] = folded(value)
    numbers = _numbers(raw, name, problems)
    both = lists["yes"] & lists["no"]
    if both:
        problems.append(Problem(name, raw.line_of("no"), f"both yes and no: {sorted(both)}"))
    return (
        Words(
            yes=lists["yes"],
            no=lists["no"],
            language=lists["language"],
            names=lists["names"],
            numbers={fold(k): v for k, v in numbers.items()},
        ),
        problems,
    )
