"""`after_turn` alone, on a flow no shipped file has: questions that ask for words and lead only
to each other. The line cannot walk past them to a keyed step, so the question it stops at is
answered in the voice message, filed as `other` (no branch names a category)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from ccc.conversations.models import Conversation
from workflows.files.flow import Flow, Step
from workflows.ivr.keypad import IN_MESSAGE, after_turn
from workflows.ivr.line import Line
from workflows.ivr.voice_prompts import Speech


def looping_line(conversation: Conversation) -> Any:
    steps = {
        "menu": Step(name="menu", line=1, ask="main_menu", save="x", next="name"),
        "name": Step(name="name", line=2, ask="enquirer_name", save="name", next="place"),
        "place": Step(name="place", line=3, ask="last_seen", save="place", next="name"),
    }
    flow = Flow("loop", "loop.yaml", "menu", "menu", frozenset(), steps)
    return SimpleNamespace(
        flow=flow,
        call=SimpleNamespace(menu=None, outcome=None, stage=None, category=None),
        conversation=lambda: conversation,
        session=SimpleNamespace(add=lambda row: None),
        voice=SimpleNamespace(voice=SimpleNamespace(prompts={"en": {}})),
        language="en",
        say=lambda key, **values: Speech(key, "en", key, key, True),
    )


def test_words_that_lead_only_to_words_are_the_voice_message() -> None:
    conversation = Conversation(identity_id=1, flow="loop", step="name", answers={})
    line = looping_line(conversation)
    screen = after_turn(cast(Line, line), [])
    assert (screen.then, screen.action) == ("record", "recording")
    assert [speech.key for speech in screen.speech] == ["record_other"]
    assert (line.call.stage, line.call.category, line.call.menu) == ("record", "other", "name")
    assert conversation.answers == {IN_MESSAGE: ["name", "place"]}
    assert conversation.step == "name"
