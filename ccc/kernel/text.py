"""Normalising what people type: other digit scripts, stray marks, invisible characters, and the
spelling-neutral form (`normalise`) in which the chatbot matches words and the queue searches."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹",
    "01234567890123456789",
)
# Bidi controls (LRM, RLM, ALM, embeddings, isolates), zero-width joiners, word joiners and the
# tatweel that phones insert into Arabic-script text, or that a copied reply carries along.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u061c\u0640]")
_SPACES = re.compile(r"\s+")
MAX_TEXT = 4000


def normalise_digits(text: str) -> str:
    return text.translate(_DIGITS)


def clean(text: str) -> str:
    """Unicode-normalised text without invisible characters; whitespace folded to one space."""
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return _SPACES.sub(" ", text).strip()


def as_choice(text: str) -> str:
    """The key a person meant in a menu: `٣`, ` 3 `, `3.` and `۳)` all become `3`."""
    value = normalise_digits(clean(text)).strip(" .)-:(")
    return value.casefold()


def has_words(text: str) -> bool:
    """False for empty or emoji-only input: at least one letter or digit is needed."""
    return any(unicodedata.category(ch)[0] in {"L", "N"} for ch in text)


def truncate(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def article(word: str) -> str:
    """The English indefinite article for a status word in an error: "an open ticket"."""
    return "an" if word[:1].lower() in "aeiou" else "a"


# --- normalise: the form in which two spellings of the same words are equal ------------------
# The same word reaches the centre with or without diacritics, with any of several alef, kaf, yeh
# and heh letters depending on the keyboard (Arabic, Persian or Kurdish layout), with Arabic-Indic
# or Persian digits, and in any case. The chatbot's matching (workflows/matching) and the queue's
# search (`Ticket.search_text`) both compare words in this form, so a word written once matches
# every spelling of it, in a menu as in a search.

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
_DIGIT_LETTERS = {chr(base + n): str(n) for base in (0x0660, 0x06F0) for n in range(10)}
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
    if char in _DIGIT_LETTERS:
        return _DIGIT_LETTERS[char]
    category = unicodedata.category(char)
    if char == _TATWEEL or category == "Cf" or (category == "Mn" and _is_arabic(char)):
        return None  # harakat, Quranic marks, tatweel, joiners and direction marks
    if category[0] in "PSZ" or category in ("Cc", "Cs"):
        return " "  # punctuation (، ؛ ؟ too), symbols and emoji, controls separate words
    return char


def _is_arabic(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in _ARABIC_BLOCKS)


_MATCHING_TABLE = _Table()


def normalise(text: str) -> str:
    """The form in which two spellings of the same words are equal; idempotent, never raises.

    Compatibility forms (Arabic presentation forms, full-width Latin) become plain letters,
    case is folded, then letters, digits, marks and punctuation are unified as described in
    the module's docstring, and runs of whitespace become one space.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    # Removing a mark or a joiner can bring a letter and an accent together: compose once more.
    cleaned = unicodedata.normalize("NFKC", folded.translate(_MATCHING_TABLE))
    return " ".join(cleaned.translate(_MATCHING_TABLE).split())
