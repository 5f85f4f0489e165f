"""Ticket references: 7 random digits and a Damm check digit, readable over a phone.

Damm's algorithm catches every single-digit error and every swap of two neighbouring digits,
the two mistakes people make when they read a number out or type it on a keypad.
"""

from __future__ import annotations

import re
import secrets

from ccc.kernel.text import normalise_digits

_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

BODY_LENGTH = 7
LENGTH = BODY_LENGTH + 1
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_./]+")
_CANDIDATE = re.compile(r"(?<!\d)\d(?:[\s\-‐‑‒–—―_./]*\d){7}(?!\d)")


def damm_digit(digits: str) -> int:
    interim = 0
    for char in digits:
        interim = _DAMM[interim][int(char)]
    return interim


def is_valid(reference: str) -> bool:
    return (
        len(reference) == LENGTH
        and reference.isascii()
        and reference.isdigit()
        and (damm_digit(reference) == 0)
    )


def generate() -> str:
    """A random reference: not sequential, so one reference tells nothing about another."""
    body = "".join(str(secrets.randbelow(10)) for _ in range(BODY_LENGTH))
    return body + str(damm_digit(body))


def compact(text: str) -> str:
    """What a person typed, as plain ASCII digits without spaces or dashes."""
    return _SEPARATORS.sub("", normalise_digits(text).strip())


def looks_like_reference(text: str) -> bool:
    """True when the whole text is a number that the person meant as a reference."""
    digits = compact(text)
    return digits.isascii() and digits.isdigit() and 6 <= len(digits) <= 12


def find_valid(text: str) -> list[str]:
    """Every well-formed reference (correct check digit) written anywhere in a message."""
    found: list[str] = []
    for match in _CANDIDATE.finditer(normalise_digits(text)):
        candidate = compact(match.group(0))
        if is_valid(candidate) and candidate not in found:
            found.append(candidate)
    return found


def spaced(reference: str) -> str:
    """`48219930` as `4821 9930`, easier to read out and copy down."""
    return f"{reference[:4]} {reference[4:]}"


LRM = "\u200e"  # LEFT-TO-RIGHT MARK
NBSP = "\u00a0"  # NO-BREAK SPACE


def for_reading(reference: str, right_to_left: bool) -> str:
    """The reference as a person should see it in a reply.

    After an Arabic letter the bidirectional algorithm takes digits for Arabic numbers, and
    neither a space nor a hyphen joins two of them: "4821-9930" shows as "9930-4821", and a
    person who types back what they see fails the check digit. Two guards, each enough alone:
    left-to-right marks around the reference make its digits and the space between them
    left-to-right, and a no-break space (a common separator, unlike the hyphen) joins the two
    groups into one number should a phone or gateway drop the marks. Both are plain UCS-2
    characters, which every Arabic-script SMS already is; English stays GSM-7 and unmarked.
    """
    if not right_to_left:
        return spaced(reference)
    return f"{LRM}{reference[:4]}{NBSP}{reference[4:]}{LRM}"
