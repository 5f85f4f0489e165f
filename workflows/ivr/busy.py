"""What a new caller hears when the line cannot take the call: "all our lines are busy".

Said without the database: it is the answer of a web process already behind (see
`ccc.kernel.web.webhooks_backed_up`), in every language of the line's language menu, Arabic
first, since the caller has not chosen one yet. A caller turned away this way is told to call
again or to write: the call is not recorded (writing it is the work the line is shedding), but
it is counted in `/metrics` (`ccc_webhooks{outcome="busy"}`).
"""

from __future__ import annotations

from workflows.files.flow import Flow
from workflows.files.library import Library, current
from workflows.ivr.line import Screen
from workflows.ivr.voice_prompts import FALLBACK, voice_prompts

KEY = "lines_busy"


def menu_languages(flow: Flow) -> list[str]:
    """The languages of the flow's language menu in its order, Arabic first."""
    start = flow.steps.get(flow.start)
    chosen = [c.set_language for c in start.choices.values()] if start is not None else []
    languages = [FALLBACK, *(language for language in chosen if language)]
    return list(dict.fromkeys(languages))


def lines_busy(library: Library | None = None) -> Screen:
    """The busy notice in each language of the menu, then the call ends."""
    library = library or current()
    voice = voice_prompts(library)
    speech = tuple(voice.speech(language, KEY) for language in menu_languages(library.flow))
    return Screen(speech, "hangup")
