"""Find listed words in a message whatever grammar the person wrapped them in.

A word is compared with each word of the message after normalisation (`ccc.kernel.text`) and
after taking off what the message's language may attach to it (`affixes.py`): «وبرشوتهم» is
«رشوة», «بەرتیلەکەیان» and «bertîlê» are «بەرتیل» and «bertîl», "bribed" is "bribe". A word
never matches inside a longer word that is not one of its forms: «منصب» (a post) is not
«نصب» (fraud), "therapist" is not "rape".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

from ccc.kernel.text import normalise
from workflows.matching.affixes import ARABIC, KURDISH_ARABIC_SCRIPT, KURMANJI_LATIN, Grammar

LANGUAGES = ("ar", "ckb", "kmr", "en")
"""Arabic, Sorani, Kurmanji (Badini, in Arabic or Latin letters) and English."""

_ARABIC_SCRIPT_GRAMMARS: dict[str | None, tuple[Grammar, ...]] = {
    None: (ARABIC, KURDISH_ARABIC_SCRIPT),
    "ar": (ARABIC,),
    "ckb": (KURDISH_ARABIC_SCRIPT,),
    "kmr": (KURDISH_ARABIC_SCRIPT,),
    "en": (),
}
_ENGLISH = snowballstemmer.stemmer("english")
_STEM = "\x00en:"  # marks an English stem, so that it is never taken for a written word


def _check(language: str | None) -> str | None:
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}: one of {', '.join(LANGUAGES)} or None")
    return language


def _is_arabic_script(token: str) -> bool:
    return any("\u0600" <= char <= "\u08ff" for char in token)


def _fold_latin(token: str) -> str:
    """Latin letters without their accents: Kurmanji is often typed without î, ê, û, ç, ş."""
    if token.isascii():
        return token
    decomposed = unicodedata.normalize("NFD", token)
    kept = "".join(char for char in decomposed if not "\u0300" <= char <= "\u036f")
    return unicodedata.normalize("NFC", kept)


@lru_cache(maxsize=32768)
def forms(token: str, language: str | None = None) -> frozenset[str]:
    """What one normalised word of a message may be, its affixes taken off; itself included."""
    if _is_arabic_script(token):
        found = {token}
        for grammar in _ARABIC_SCRIPT_GRAMMARS[language]:
            found |= grammar.bare(token)
        return frozenset(found)
    folded = _fold_latin(token)
    found = {folded}
    if language in (None, "kmr"):
        found |= KURMANJI_LATIN.bare(folded)
    if language in (None, "en"):
        found.add(_STEM + _ENGLISH.stemWord(folded))
    return frozenset(found)


def _keys(word: str, language: str | None) -> frozenset[str]:
    """The forms under which one normalised listed word is recognised: itself, or its stem."""
    if _is_arabic_script(word):
        return frozenset({word})
    folded = _fold_latin(word)
    if language in (None, "en"):
        return frozenset({folded, _STEM + _ENGLISH.stemWord(folded)})
    return frozenset({folded})


class Matcher:
    """A compiled list of words and phrases, looked for in messages as whole words.

    Build it once per list (it is immutable and safe to share between threads) and ask
    `matches(text)` or `found(text)`. A phrase matches when its words appear in a row, each
    with its own affixes. `language` narrows the grammar to one of `LANGUAGES`; None (the
    default, and what rules use) accepts every language's affixes, since a person may write
    Sorani in a conversation held in Arabic.
    """

    def __init__(self, words: Iterable[str], language: str | None = None) -> None:
        self._language = _check(language)
        entries = [(word, tuple(normalise(word).split())) for word in words]
        self._entries = [
            (word, tuple(_keys(token, language) for token in tokens))
            for word, tokens in entries
            if tokens
        ]

    def __len__(self) -> int:
        """How many listed entries can match at all (one of only punctuation never can)."""
        return len(self._entries)

    def matches(self, text: str) -> bool:
        """Whether any listed word or phrase is in `text`."""
        candidates = self._candidates(text)
        return any(_contains(candidates, keys) for _, keys in self._entries)

    def found(self, text: str) -> list[str]:
        """The listed words found in `text`, as they were listed, in the order of the list."""
        candidates = self._candidates(text)
        found = [word for word, keys in self._entries if _contains(candidates, keys)]
        return list(dict.fromkeys(found))

    def _candidates(self, text: str) -> list[frozenset[str]]:
        return [forms(token, self._language) for token in normalise(text).split()]


def mentions(text: str, word: str, language: str | None = None) -> bool:
    """Whether `text` holds `word` (or a phrase) in any of its grammatical forms.

    For one-off questions; to look for the same words in many messages, build a `Matcher`.
    """
    return Matcher([word], language).matches(text)


def _contains(candidates: list[frozenset[str]], keys: tuple[frozenset[str], ...]) -> bool:
    width = len(keys)
    return any(
        all(not keys[k].isdisjoint(candidates[start + k]) for k in range(width))
        for start in range(len(candidates) - width + 1)
    )
