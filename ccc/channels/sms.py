"""Splitting text into SMS-sized parts.

An SMS carries 160 GSM-7 characters, or 70 UCS-2 code units as soon as one character is
outside GSM-7, which is the case for every Arabic or Kurdish message. A message longer than one
segment is sent as several parts of 153 (GSM-7) or 67 (UCS-2), the rest of each segment being
the concatenation header. CCC cuts long replies itself, at word boundaries and to those sizes,
so that each part arrives whole and readable even on phones that do not reassemble
concatenated messages, and so that the number of parts is known before sending.
"""

from __future__ import annotations

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


def split_sms(text: str) -> list[str]:
    """One part if the text fits one segment, else parts that each fit a concatenated part."""
    text = text.strip()
    encoding = encoding_of(text)
    if length(text, encoding) <= encoding.single:
        return [text]
    return split_units(text, encoding.part, encoding.cost)


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters, cut at line breaks or spaces where possible."""
    text = text.strip()
    if len(text) <= limit:
        return [text]
    return split_units(text, limit, lambda _char: 1)


def split_utf16(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` UTF-16 code units: how Telegram counts a message's length."""
    text = text.strip()
    if length(text, UCS2) <= limit:
        return [text]
    return split_units(text, limit, UCS2.cost)


def split_units(text: str, limit: int, cost: Callable[[str], int]) -> list[str]:
    """Greedy split: each part ends at the last line break, else the last space, that fits;
    a single word longer than a part is cut where it must be."""
    parts: list[str] = []
    rest = text.strip()
    while rest:
        used = 0
        end = 0
        for index, char in enumerate(rest):
            if used + cost(char) > limit:
                break
            used += cost(char)
            end = index + 1
        if end == len(rest):
            parts.append(rest)
            break
        window = rest[:end]
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = end
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [part for part in parts if part]
