"""What a new SMS contact pays to be greeted: the welcome fits two segments."""

from __future__ import annotations

from ccc.channels.sms import segments
from workflows.chatbot.replies import render_question
from workflows.files.library import current
from workflows.files.segments import MAX_SEGMENTS, costs


def test_the_welcome_every_new_sms_contact_receives_fits_two_segments() -> None:
    library = current()
    welcome = render_question(library.prompts, library.flow.steps["language"], "ar").text
    assert segments(welcome) <= MAX_SEGMENTS
    assert welcome.splitlines()[-4:] == [
        "1 العربية",
        "2 کوردی (سۆرانی)",
        "3 کوردی (بادینی)",
        "4 English",
    ]


def test_the_shortened_replies_fit_one_arabic_segment() -> None:
    library = current()
    found = {(c.key, c.language): c.segments for c in costs(library.flow, library.prompts)}
    for key in ("ticket_created", "privacy_notice", "reference_invalid", "callback_created"):
        assert found[key, "ar"] == 1, key
    assert found["main_menu", "ar"] == MAX_SEGMENTS
