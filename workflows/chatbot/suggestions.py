"""Free text at the main menu («ابني معتقل منذ شهر») offers the intake it sounds like, instead of
"we did not understand": the rules files' `suggestions` map word lists to menu options."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflows.chatbot.replies import Reply

if TYPE_CHECKING:
    from workflows.chatbot.turn import Turn


def suggest(turn: Turn, text: str) -> bool:
    """True when a suggestion was made; the person stays at the main menu to answer it."""
    flow = turn.library.flow
    menu = flow.steps[flow.menu_step]
    book = turn.library.rules
    for suggestion in book.suggestions:
        if suggestion.option in menu.choices and suggestion.words.matches(text):
            texts = book.templates[suggestion.template]
            turn.replies.append(Reply(suggestion.template, texts.get(turn.language, texts["ar"])))
            turn.conversation.step = flow.menu_step
            turn.conversation.invalid_inputs = 0
            return True
    return False
