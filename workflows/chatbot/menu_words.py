"""Words at menus: a choice named in words («مفقود», "missing", «کوڕەکەم») is taken as if its
number were sent. The words are data in the flow (`words:` per language on each choice,
checked by `ccc workflows check`); the matching is the rules' own (workflows.matching), so
«بابني» and «کوڕەکەم» match «ابني» and «کوڕم»."""

from __future__ import annotations

from functools import lru_cache

from workflows.chatbot.turn import Turn
from workflows.files.flow import Step
from workflows.matching import Matcher


@lru_cache(maxsize=512)
def _matcher(words: tuple[str, ...], language: str) -> Matcher:
    return Matcher(words, language)


def named_choices(turn: Turn, step: Step, text: str) -> list[str]:
    """The keys of the choices the message names, in menu order; words of every language
    count, since people mix them."""
    del turn  # the same words whatever the conversation's language
    return [
        key
        for key, choice in step.choices.items()
        if any(_matcher(words, language).matches(text) for language, words in choice.words.items())
    ]
