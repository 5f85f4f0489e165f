"""Normalising what people type: other digit scripts, stray marks, invisible characters."""

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
