"""A reference reads the same in every language: laid out by the Unicode bidirectional
algorithm (python-bidi's `get_display`), every reply that carries one shows its eight digits
in order, and whatever invisible marks come back with a copied reference are ignored."""

from __future__ import annotations

import pytest

from ccc.kernel.text import clean
from ccc.tickets import references
from tests.flows import reference_as_read
from workflows.chatbot.replies import readable_reference
from workflows.files.flow import LANGUAGES
from workflows.files.library import current

SAMPLES = ("48219935", "10000004", "99999992", "33034568")


def prompts_with_a_reference(language: str) -> list[str]:
    catalogue = current().prompts.prompts[language]
    return [key for key, prompt in catalogue.items() if "{reference}" in prompt.text]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_reply_with_a_reference_shows_its_digits_in_reading_order(language: str) -> None:
    keys = prompts_with_a_reference(language)
    assert {"ticket_created", "status", "ticket_resolved", "added_to_case"} <= set(keys)
    prompts = current().prompts
    status = prompts.text(language, "status_open")
    # Said beside the reference in a callback's reply: its digits must not disturb it.
    when = prompts.text(language, "callback_when_day_from", day="x", time="08:00")
    for reference in SAMPLES:
        assert references.is_valid(reference)
        shown = readable_reference(reference, language)
        for key in keys:
            text = prompts.text(language, key, reference=shown, status=status, when=when)
            assert reference_as_read(text, reference), (language, key, text)


def test_the_hyphen_alone_would_show_the_halves_swapped() -> None:
    assert not reference_as_read("رقم طلبك هو 4821-9935، احتفظ به.", "48219935")


def test_english_stays_plain_gsm7_text() -> None:
    assert readable_reference("48219935", "en") == "4821 9935"


@pytest.mark.parametrize(
    "typed",
    [
        "\u200e4821\u00a09935\u200e",  # copied from a reply, marks and all
        "\u200f4821 9935\u200f",  # right-to-left marks
        "\u061c4821-9935\u061c",  # Arabic letter marks
        "\u20664821\u20609935\u2069",  # isolates and a word joiner
        "٤٨٢١\u200e ٩٩٣٥",
    ],
)
def test_a_reference_typed_back_with_invisible_marks_is_the_same_reference(typed: str) -> None:
    assert references.find_valid(clean(f"حالة طلبي {typed} لطفاً")) == ["48219935"]
