"""SMS encodings and segments, and cutting a text that is longer than a channel takes.

An SMS carries 160 GSM-7 characters, or 70 UCS-2 code units as soon as one character is
outside GSM-7, which is the case for every Arabic or Kurdish message. A longer message is sent
by the carrier as several segments of 153 (GSM-7) or 67 (UCS-2) units, the rest of each being
the concatenation header, and the phone joins them again: Twilio takes a body of up to 1,600
characters and segments it itself. So CCC sends one message per text and only counts the
segments (what a message costs; `ccc workflows check`, the console's counter). Only a text
longer than the channel takes in one message (`SMS_MAX_BODY`, Telegram's 4,096) is cut by CCC,
at the end of a sentence or line where one is near, else between words, never inside a word
or a character that is drawn as one (a letter with its vowel mark, an emoji sequence).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table take an escape plus the character: two septets.
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class Encoding:
    name: str
    single: int  # units in a message of one segment
    part: int  # units in each part of a concatenated message
    cost: Callable[[str], int]


def _gsm7_cost(char: str) -> int:
    return 2 if char in _GSM7_EXTENDED else 1


def _ucs2_cost(char: str) -> int:
    # Characters beyond the Basic Multilingual Plane (most emoji) take a surrogate pair.
    return 2 if ord(char) > 0xFFFF else 1


SMS_MAX_BODY = 1600
"""What Twilio takes as one message's body (error 21617 beyond), in UTF-16 code units: an
emoji counts twice. The carrier segments it; the phone joins the segments again."""

GSM7 = Encoding("GSM-7", 160, 153, _gsm7_cost)
UCS2 = Encoding("UCS-2", 70, 67, _ucs2_cost)


def is_gsm7(text: str) -> bool:
    return all(char in _GSM7_BASIC or char in _GSM7_EXTENDED for char in text)


def encoding_of(text: str) -> Encoding:
    return GSM7 if is_gsm7(text) else UCS2


def length(text: str, encoding: Encoding | None = None) -> int:
    """The text's length in the units its encoding counts (septets or UTF-16 code units)."""
    encoding = encoding or encoding_of(text)
    return sum(encoding.cost(char) for char in text)


def segments(text: str) -> int:
    """How many SMS segments the carrier sends the text as (each billed as one SMS)."""
    encoding = encoding_of(text)
    units = length(text, encoding)
    if units <= encoding.single:
        return 1 if units else 0
    return -(-units // encoding.part)


def split_message(text: str, limit: int) -> list[str]:
    """The text as one message, or, when it is longer than `limit` UTF-16 code units (how
    Twilio and Telegram count a body's length), as parts of at most `limit` units each: cut
    after a sentence or a line in the second half of a part, else at the last space, else at
    the last boundary between two characters as drawn."""
    text = text.strip()
    parts: list[str] = []
    while text:
        end = _fitting(text, limit)
        if end == len(text):
            parts.append(text)
            break
        cut = _cut(text, end)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [part for part in parts if part]


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 code units."""
    used = 0
    for index, char in enumerate(text):
        used += _ucs2_cost(char)
        if used > limit:
            return index
    return len(text)


_SENTENCE_ENDS = frozenset(".!?؟۔…:;؛")
# Never breakable, though drawn apart: a no-break space and a narrow no-break space.
_NO_BREAK = frozenset("\u00a0\u202f\u2007")


def _cut(text: str, end: int) -> int:
    """Where to cut `text` at or before `end`: after a line or a sentence, else at a space,
    else between two graphemes."""
    half = end // 2
    line = text.rfind("\n", 0, end + 1)
    if line > half:
        return line
    sentence = _last_sentence_end(text, end)
    if sentence > half:
        return sentence
    breakable = (i for i in range(end, 0, -1) if text[i].isspace() and text[i] not in _NO_BREAK)
    space = next(breakable, 0)
    if space > 0:
        return space
    return _grapheme_boundary(text, end)


def _last_sentence_end(text: str, end: int) -> int:
    """The index of the space after the last sentence's end within `text[:end]`, or -1."""
    for index in range(min(end, len(text) - 1), 0, -1):
        if text[index].isspace() and text[index - 1] in _SENTENCE_ENDS:
            return index
    return -1


def _joins_previous(char: str) -> bool:
    """Whether `char` is drawn as part of the character before it: a vowel mark or other
    combining mark, a joiner, a variation selector, an emoji skin tone or tag."""
    code = ord(char)
    return (
        unicodedata.category(char).startswith("M")
        or char in "\u200c\u200d"
        or 0xFE00 <= code <= 0xFE0F
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0xE0100 <= code <= 0xE01EF
    )


def _is_regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _grapheme_boundary(text: str, end: int) -> int:
    """The last index at or before `end` where a cut leaves every grapheme whole (a flag's
    two regional letters, a letter and its marks, an emoji joined by ZWJ); at least 1."""
    index = end
    while index > 1:
        before, after = text[index - 1], text[index]
        regional_pair = (
            _is_regional(before) and _is_regional(after) and _regional_run(text, index) % 2 == 1
        )
        if not (
            _joins_previous(after)
            or before == "\u200d"
            or regional_pair
            or before + after == "\r\n"
        ):
            return index
        index -= 1
    return max(index, 1)


def _regional_run(text: str, index: int) -> int:
    """How many regional indicator letters end just before `index`."""
    count = 0
    while index - count - 1 >= 0 and _is_regional(text[index - count - 1]):
        count += 1
    return count
