"""Normalisation: the form in which two spellings of the same words are equal.

The same word reaches the centre with or without diacritics, with any of several alef, kaf, yeh
and heh letters depending on the keyboard (Arabic, Persian or Kurdish layout), with Arabic-Indic
or Persian digits, and in any case. Matching compares words only after `normalise` has removed
those differences, so a supervisor writes a word once and it matches every spelling of it.
"""

from __future__ import annotations

import unicodedata

# Letters written differently on different keyboards, mapped onto one spelling each.
_LETTERS = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ٲ": "ا",
    "ٳ": "ا",
    "ة": "ه",
    "ۃ": "ه",
    "ى": "ي",
    "ی": "ي",  # Persian and Kurdish yeh
    "ې": "ي",
    "ک": "ك",  # Persian and Kurdish kaf (keheh)
    "ڪ": "ك",
    "ە": "ه",  # Kurdish ae
    "ھ": "ه",  # heh doachashmee, Sorani's h
    "ۀ": "ه",
}
_DIGITS = {chr(base + n): str(n) for base in (0x0660, 0x06F0) for n in range(10)}
_ARABIC_BLOCKS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF))
_TATWEEL = "\u0640"


class _Table(dict[int, str | None]):
    """A `str.translate` table that decides each character once, when first seen."""

    def __missing__(self, code: int) -> str | None:
        result = _translate(chr(code))
        self[code] = result
        return result


def _translate(char: str) -> str | None:
    """What one character becomes for matching: itself, another letter, a space, or nothing."""
    if char in _LETTERS:
        return _LETTERS[char]
    if char in _DIGITS:
        return _DIGITS[char]
    category = unicodedata.category(char)
    if char == _TATWEEL or category == "Cf" or (category == "Mn" and _is_arabic(char)):
        return None  # harakat, Quranic marks, tatweel, joiners and direction marks
    if category[0] in "PSZ" or category in ("Cc", "Cs"):
        return " "  # punctuation (، ؛ ؟ too), symbols and emoji, controls separate words
    return char


def _is_arabic(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in _ARABIC_BLOCKS)


_TABLE = _Table()


def normalise(text: str) -> str:
    """The form in which two spellings of the same words are equal; idempotent, never raises.

    Compatibility forms (Arabic presentation forms, full-width Latin) become plain letters,
    case is folded, then letters, digits, marks and punctuation are unified as described in
    the module's docstring, and runs of whitespace become one space.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Removing a mark or a joiner can bring a letter and an accent together: compose once more.
    cleaned = unicodedata.normalize("NFKC", folded.translate(_TABLE))
    return " ".join(cleaned.translate(_TABLE).split())
