"""The affixes a listed word may carry in a message, per language and script.

Each table is written in ordinary spelling and normalised when loaded, so it holds the same
letters as the normalised text it is compared with (ة is ه, ی is ي, ک is ك, ە is ه).

Why tables and not a stemmer package: the candidates were tried on the words the rules list.
Snowball's Arabic stemmer turns «فساد» (corruption) into «ساد» (prevailed) and leaves
«والاحتيال» whole; KLPT (Sorani, Kurmanji) strips «بە» from «بەرتیل» and «ber» from
«bertîl», leaving «رتیل» and «tîl», and needs the native hunspell library; AsoSoft normalises and
transliterates Kurdish but has no stemmer; Tashaphyne reduces words to roots, which joins
unrelated words. A listed word must match only itself with its grammar around it, never a word
that merely contains it, so for Arabic and Kurdish the clitics and suffixes are listed here, as
the grammars describe them; English, where Snowball's stemmer serves, uses it (`matcher.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ccc.kernel.text import normalise

MIN_STEM = 2
"""The fewest letters left once affixes are taken off: «لنا» is not «ل» + «نا» of anything."""


@dataclass(frozen=True)
class Grammar:
    """Prefixes and suffixes that may surround a word, and what the word becomes under them."""

    prefixes: frozenset[str]
    suffixes_by_length: tuple[tuple[int, frozenset[str]], ...]
    taa_marbuta: bool = False
    """Arabic: «رشوة» is written «رشوت» before a suffix («رشوتهم», their bribe)."""

    def bare(self, token: str) -> set[str]:
        """Every word `token` can be with one prefix and one suffix of this grammar taken off."""
        found: set[str] = set()
        for prefix in self.prefixes:
            if not token.startswith(prefix):
                continue
            rest = token[len(prefix) :]
            for length, suffixes in self.suffixes_by_length:
                if len(rest) - length < MIN_STEM or (length and rest[-length:] not in suffixes):
                    continue
                stem = rest[: len(rest) - length] if length else rest
                found.add(stem)
                if self.taa_marbuta and length and stem.endswith("ت"):
                    found.add(stem[:-1] + "ه")
                if self.taa_marbuta and length and rest[-length:].startswith("ات"):
                    found.add(stem + "ه")  # اعتداءات is the plural of اعتداء, رشوات of رشوة
        return found


def _grammar(prefixes: Iterable[str], suffixes: Iterable[str], *, taa: bool = False) -> Grammar:
    normal_prefixes = frozenset({normalise(p) for p in prefixes} | {""})
    normal_suffixes = {normalise(s) for s in suffixes} | {""}
    lengths = sorted({len(s) for s in normal_suffixes})
    by_length = tuple(
        (length, frozenset(s for s in normal_suffixes if len(s) == length)) for length in lengths
    )
    return Grammar(normal_prefixes, by_length, taa)


def _combine(*parts: Iterable[str]) -> set[str]:
    combined = {""}
    for part in parts:
        combined = {left + right for left in combined for right in part}
    return combined


# Arabic proclitics: and/so, then with/for/like, then the article; «ل» + «ال» is written «لل».
_ARABIC_PREFIXES = {
    (conj + prep + article).replace("لال", "لل")
    for conj in ("", "و", "ف")
    for prep in ("", "ب", "ل", "ك")
    for article in ("", "ال")
}
_ARABIC_PRONOUNS = ("", "ه", "ها", "هم", "هن", "هما", "ي", "ك", "كم", "كن", "نا", "ني")
# Plural, dual and feminine endings, the accusative alef, the verb's plural «وا», and the
# construct forms that lose their last letter before a pronoun (موظفوه، موظفيه).
_ARABIC_ENDINGS = ("", "ات", "ان", "ين", "ون", "ة", "ا")
_ARABIC_SUFFIXES = (
    _combine(_ARABIC_ENDINGS, _ARABIC_PRONOUNS)
    | {"وا"}
    | _combine(("و", "ي"), [p for p in _ARABIC_PRONOUNS if p])
)

ARABIC = _grammar(_ARABIC_PREFIXES, _ARABIC_SUFFIXES, taa=True)

# Sorani and Badini in Arabic script: the izafe and oblique (ـی، ـێ، ـا، ـە), the definite
# (ـەکە، ـەکان; after a vowel ـکە، ـیەکە), the indefinite (ـێک، ـەک، ـیەک), plurals (ـان، ـێن),
# the circumpositions' second halves (لە ...دا، لە ...ەوە), then attached pronouns and the copula.
_KURDISH_ENDINGS = (
    "",
    "ی",
    "ە",
    "ێ",
    "ا",
    "ان",
    "ێن",
    "ەکە",
    "ەکان",
    "ەکێ",
    "ەکا",
    "کە",
    "کان",
    "یەکە",
    "یەکان",
    "ێک",
    "ەک",
    "یەک",
    "یێک",
    "یە",
    "یان",
    "دا",
    "ەوە",
    "ەکەدا",
    "ەکاندا",
)
_KURDISH_PRONOUNS = ("", "م", "ت", "ی", "مان", "تان", "یان", "ە", "ن", "یە")
_KURDISH_PREFIXES = ("بە", "لە", "و", "ب", "ل", "ژ", "د")

KURDISH_ARABIC_SCRIPT = _grammar(_KURDISH_PREFIXES, _combine(_KURDISH_ENDINGS, _KURDISH_PRONOUNS))

# Kurmanji in Latin letters, compared without diacritics (bertîlê is bertile): the oblique and
# ezafe (-ê, -a, -ên, -an, -î, -e), the indefinite (-ek, -eke, -ekê, -ekî), the definite plural
# (-an), and the same after a vowel with its glide y (gendelî: gendeliya, gendeliyê).
_KURMANJI_ENDINGS = (
    "e",
    "a",
    "en",
    "an",
    "i",
    "ek",
    "eke",
    "eki",
    "ekan",
    "ya",
    "ye",
    "yen",
    "yan",
    "yek",
    "yeke",
    "yeki",
)

KURMANJI_LATIN = _grammar((), _KURMANJI_ENDINGS)
