"""Scripts of whole conversations, so tests can get a ticket in one line."""

from __future__ import annotations

import re

from tests.conftest import Harness

ENGLISH = "4"
LANGUAGE_KEY = {"ar": "1", "ckb": "2", "kmr": "3", "en": "4"}
"""The language menu's key for each language (CONTRACT.md, the default flow, 1)."""
CONTINUE = "1"  # the privacy notice at the start of every intake: 1 continue, 2 main menu
TRACING = [
    "1",
    CONTINUE,
    "Layla Hassan",
    "Omar Hassan",
    "4",
    "Mosul, June 2017",
    "He did not come back.",
    "1",
]
DETENTION = [
    "2",
    CONTINUE,
    "Layla Hassan",
    "Ali Hassan",
    "1",
    "Baghdad, March 2023",
    "Unknown",
    "1",
]
# The governorate is asked by name (no numbered list shown), so it is answered by name.
ASSISTANCE = ["3", CONTINUE, "Layla Hassan", "1", "6", "Ninawa", "1"]
COMPLAINT = ["4", CONTINUE, "1", "I was not selected although my family qualifies.", "1", "1"]
STAFF_CONDUCT = ["4", CONTINUE, "2", "A distributor asked me for money.", "2", "1"]
SCRIPTS = {
    "tracing": TRACING,
    "detention": DETENTION,
    "assistance": ASSISTANCE,
    "complaint": COMPLAINT,
    "staff_conduct": STAFF_CONDUCT,
}


def reference_in(text: str) -> str:
    match = re.search(r"(\d{4})[\s-](\d{4})", text)
    assert match, f"no reference in {text!r}"
    return match.group(1) + match.group(2)


def reference_as_read(text: str, reference: str) -> bool:
    """True when a reader sees the reference's eight digits in their order: the reply laid out
    by a real implementation of the Unicode bidirectional algorithm, as a phone would show it,
    holds the two groups left to right (numbers read left to right in Arabic script too)."""
    from bidi import get_display

    shown = get_display(text)
    return re.search(rf"{reference[:4]}\D{{0,3}}{reference[4:]}", shown) is not None


def to_main_menu(ccc: Harness, sender: str, language: str) -> None:
    """A new person's first message and their language's key: they stand at the main menu,
    where the tables of words at each question start from."""
    ccc.say(sender, "hello")
    ccc.say(sender, LANGUAGE_KEY[language])


def open_ticket(ccc: Harness, sender: str, script: str = "tracing", language: str = ENGLISH) -> str:
    """Runs a whole intake from `sender` and returns the new ticket's reference."""
    first_time = not ccc.transcript(sender)
    ccc.say(sender, "hello" if first_time else "menu")
    if first_time:
        ccc.say(sender, language)
    for answer in SCRIPTS[script]:
        ccc.say(sender, answer)
    return reference_in(ccc.last_reply(sender))
