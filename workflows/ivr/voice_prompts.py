"""What the toll-free line says: the flow's prompts worded for a keypad, and the line's own.

The IVR speaks the same steps as the text channels. Where the phone needs other words ("press"
instead of "reply with a number") a key of `prompts/voice/<language>.yaml` replaces the flow's
text on the phone only; keys that exist only there are the line's own (recording, queue,
callback questions). A prompt whose text holds no runtime value (`{reference}`, `{position}`)
can be replaced by a recording, `LANG/KEY.wav` or `.mp3` in `CCC_VOICE_PROMPTS_DIR`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Formatter

from workflows.files.flow import LANGUAGES, Flow, Step
from workflows.files.library import Library
from workflows.files.prompts import Catalogue, Prompt, parse_prompts
from workflows.files.yamlfile import LoadError, Problem, load

# The engine's own prompts that the line may say; the flow's keys are added to these.
ENGINE_KEYS = (
    "invalid_choice",
    "invalid_number",
    "reference_invalid",
    "reference_unknown",
    "too_many_attempts",
)
# Languages Twilio can speak; the others fall back to the Arabic recording or voice.
SPOKEN = frozenset({"ar", "en"})
FALLBACK = "ar"
AUDIO_SUFFIXES = (".wav", ".mp3")
# `press` is a template inside menus; `callback_sms` is a text message, never spoken.
NOT_SPOKEN = frozenset({"press", "callback_sms"})
# The agent line speaks to the centre's own staff, in Arabic.
AGENT_PREFIX = "agent_"
AGENT_LANGUAGE = "ar"
LANGUAGES_WITH_FILES = frozenset(LANGUAGES)


@dataclass(frozen=True)
class Speech:
    """One thing the line says. `text` is in `language`; `arabic` is what is said instead when
    the language has no voice and no recording. `recordable` prompts may be a file."""

    key: str
    language: str
    text: str
    arabic: str
    recordable: bool


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


@lru_cache(maxsize=8)
def load_voice_catalogue(directory: Path) -> Catalogue:
    """Every language present with the same keys and placeholders as English, or LoadError."""
    problems: list[Problem] = []
    names: dict[str, str] = {}
    prompts: dict[str, dict[str, Prompt]] = {}
    for language in LANGUAGES:
        path = directory / f"{language}.yaml"
        if not path.exists():
            problems.append(Problem(str(path), 1, f"missing voice prompts for {language!r}"))
            continue
        data, found = load(path)
        if found:
            problems += found
            continue
        _code, name, parsed, found = parse_prompts(data, str(path))
        problems += found
        names[language], prompts[language] = name, parsed
    english = prompts.get("en", {})
    for language, catalogue in prompts.items():
        for key, prompt in english.items():
            other = catalogue.get(key)
            if other is None:
                problems.append(Problem(str(directory / f"{language}.yaml"), 1, f"{key!r} missing"))
            elif _placeholders(other.text) != _placeholders(prompt.text):
                problems.append(
                    Problem(str(directory / f"{language}.yaml"), 1, f"{key!r}: placeholders differ")
                )
    if problems:
        raise LoadError(problems)
    return Catalogue(names=names, prompts=prompts)


def voice_dir(flow: Flow) -> Path:
    """`prompts/voice` beside the flow's folder, or CCC's own when that folder has none."""
    beside = Path(flow.path).resolve().parent.parent / "prompts" / "voice"
    return (
        beside
        if beside.is_dir()
        else Path(__file__).resolve().parent.parent / "data" / "prompts" / "voice"
    )


class VoicePrompts:
    """The spoken wording of every step and prompt, per language."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.voice = load_voice_catalogue(voice_dir(library.flow))

    def _prompt(self, language: str, key: str) -> Prompt:
        own = self.voice.prompts[language].get(key)
        flow_prompt = self.library.prompts.prompts[language].get(key)
        if own is None:
            if flow_prompt is None:
                raise KeyError(key)
            return flow_prompt
        if flow_prompt is not None and not own.choices:
            return Prompt(own.text, flow_prompt.choices)
        return own

    def _render(self, language: str, key: str, keys: list[str], values: dict[str, str]) -> str:
        prompt = self._prompt(language, key)
        press = self.voice.prompts[language]["press"].text
        options = [press.format(label=prompt.choices.get(k, k), key=k) for k in keys]
        return " ".join([prompt.text.format(**values), *options]).strip()

    def speech(
        self,
        language: str,
        key: str,
        values: dict[str, str] | None = None,
        *,
        keys: list[str] | None = None,
        in_arabic: dict[str, str] | None = None,
    ) -> Speech:
        """A prompt with its menu options read out (`keys`: the step's choices, in order).
        `in_arabic` gives the Arabic wording of values that are not prompts of their own (a
        time worded for the caller), for a language the line says in Arabic."""
        prompt = self._prompt(language, key)
        values = values or {}
        chosen = keys if keys is not None else list(prompt.choices)
        arabic_values = {name: self._in_arabic(language, value) for name, value in values.items()}
        arabic_values |= in_arabic or {}
        return Speech(
            key=key,
            language=language,
            text=self._render(language, key, chosen, values),
            arabic=self._render(FALLBACK, key, chosen, arabic_values),
            recordable=not _placeholders(prompt.text),
        )

    def _in_arabic(self, language: str, value: str) -> str:
        """A value that is itself a prompt of `language` (a status), said in Arabic instead."""
        for key, prompt in self.library.prompts.prompts[language].items():
            if prompt.text == value:
                return self.library.prompts.prompts[FALLBACK][key].text
        return value

    def question(self, language: str, step: Step) -> Speech:
        assert step.ask is not None
        return self.speech(language, step.ask, keys=list(step.choices))

    def language_menu(self, step: Step) -> list[Speech]:
        """Each language's own welcome and key, in its own words; a language without a voice
        falls back to its name and key in Arabic."""
        assert step.ask is not None
        arabic_press = self.voice.prompts[FALLBACK]["press"].text
        said = []
        for key, choice in step.choices.items():
            language = choice.set_language or FALLBACK
            name = self.library.prompts.name(language)
            said.append(
                Speech(
                    key=step.ask,
                    language=language,
                    text=self._prompt(language, step.ask).text.format(key=key),
                    arabic=arabic_press.format(label=name, key=key),
                    recordable=True,
                )
            )
        return said

    def inventory(self) -> Iterator[tuple[str, Speech]]:
        """Every prompt of the line per language, as `ccc voice prompts` lists them."""
        keys = self._spoken_keys()
        for language in LANGUAGES:
            for key in keys:
                # The agent line speaks to the centre's own staff, in one language.
                if key.startswith(AGENT_PREFIX) and language != AGENT_LANGUAGE:
                    continue
                yield from ((language, speech) for speech in self._listed(language, key))

    def _spoken_keys(self) -> list[str]:
        """What the line may say, each once: the flow's questions a caller answers on the keypad
        (a free-text question is recorded, not asked), the engine's own, then the line's own."""
        flow = self.library.flow
        keys = [
            step.ask
            for step in flow.steps.values()
            if step.ask and (step.choices or step.number or step.lookup_reference)
        ]
        keys += [k for k in ENGINE_KEYS if k in self.library.prompts.prompts[FALLBACK]]
        keys += [k for k in self.voice.prompts[FALLBACK] if k not in NOT_SPOKEN]
        return list(dict.fromkeys(keys))

    def _listed(self, language: str, key: str) -> list[Speech]:
        """One prompt as listed for recording: the first question is each language offering
        itself; any other is read with its step's keys, runtime values left as `{name}`."""
        flow = self.library.flow
        start = flow.steps[flow.start]
        if key == start.ask:
            return [s for s in self.language_menu(start) if s.language == language]
        values = {
            name: "{" + name + "}" for name in _placeholders(self._prompt(language, key).text)
        }
        return [self.speech(language, key, values, keys=_choice_keys(flow, key))]


def _choice_keys(flow: Flow, key: str) -> list[str] | None:
    for step in flow.steps.values():
        if step.ask == key and step.choices:
            return list(step.choices)
    return None


def recording_path(directory: Path | None, language: str, key: str) -> Path | None:
    """The recorded file of a prompt, if the centre has one."""
    if directory is None:
        return None
    for suffix in AUDIO_SUFFIXES:
        path = directory / language / f"{key}{suffix}"
        if path.is_file():
            return path
    return None


_in_force: tuple[Library, VoicePrompts] | None = None


def voice_prompts(library: Library) -> VoicePrompts:
    """The line's wording for this set of workflow files, built once per set (a reload brings a
    new set): each request of a call built it anew, and finding its folder on disk was a tenth
    of a key press's CPU."""
    global _in_force
    held = _in_force
    if held is not None and held[0] is library:
        return held[1]
    prompts = VoicePrompts(library)
    _in_force = (library, prompts)
    return prompts
