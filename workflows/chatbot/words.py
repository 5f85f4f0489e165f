"""Word lists for rules, suggestions and the satisfaction question.

The matching itself (spellings, Arabic clitics, Kurdish suffixes, English inflections) lives
in `workflows.matching`, which the chatbot's menu words share; this module keeps the names its
importers know.
"""

from __future__ import annotations

from workflows.matching import Matcher, normalise

__all__ = ["WordList", "normalise"]


class WordList(Matcher):
    """Words and phrases to look for in a message, as whole words in any of their forms.

    Write the bare word: «معتقل» matches «والمعتقل» and «معتقلهم», «بەرتیل» matches
    «بەرتیلەکە», "bribe" matches "bribed"; no listed word matches inside another word.
    """
