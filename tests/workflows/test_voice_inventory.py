"""`ccc voice prompts`: every prompt the line may say, per language, each once, worded as the
line says it (menus with their keys, runtime values left as placeholders to record around)."""

from __future__ import annotations

import dataclasses

import pytest

from workflows.files.flow import LANGUAGES
from workflows.files.library import get_library
from workflows.ivr.voice_prompts import (
    AGENT_LANGUAGE,
    AGENT_PREFIX,
    ENGINE_KEYS,
    NOT_SPOKEN,
    Speech,
    VoicePrompts,
    voice_prompts,
)


@pytest.fixture(scope="module")
def voice() -> VoicePrompts:
    return VoicePrompts(get_library())


@pytest.fixture(scope="module")
def lines(voice: VoicePrompts) -> list[tuple[str, Speech]]:
    return list(voice.inventory())


def keys_in(lines: list[tuple[str, Speech]], language: str) -> list[str]:
    return [speech.key for said_in, speech in lines if said_in == language]


def test_each_language_in_turn_each_prompt_once(lines: list[tuple[str, Speech]]) -> None:
    assert list(dict.fromkeys(language for language, _ in lines)) == list(LANGUAGES)
    for language in LANGUAGES:
        keys = keys_in(lines, language)
        assert len(keys) == len(set(keys))
        assert all(speech.language == language for said_in, speech in lines if said_in == language)


def test_the_agent_line_is_listed_in_its_own_language_only(lines: list[tuple[str, Speech]]) -> None:
    agent = [key for key in keys_in(lines, AGENT_LANGUAGE) if key.startswith(AGENT_PREFIX)]
    assert agent
    for language in set(LANGUAGES) - {AGENT_LANGUAGE}:
        assert keys_in(lines, language) == [
            key for key in keys_in(lines, AGENT_LANGUAGE) if not key.startswith(AGENT_PREFIX)
        ]


def test_the_keys_are_the_keypad_questions_then_the_engines_then_the_lines_own(
    voice: VoicePrompts, lines: list[tuple[str, Speech]]
) -> None:
    flow = voice.library.flow
    keypad = [
        step.ask
        for step in flow.steps.values()
        if step.ask and (step.choices or step.number or step.lookup_reference)
    ]
    own = [key for key in voice.voice.prompts["en"] if key not in NOT_SPOKEN]
    expected = list(dict.fromkeys([*keypad, *ENGINE_KEYS, *own]))
    assert keys_in(lines, AGENT_LANGUAGE) == expected
    assert "enquirer_name" not in expected, "a free-text question is not on the keypad line"
    assert not NOT_SPOKEN & set(expected)


def test_the_first_question_is_each_language_offering_itself(
    voice: VoicePrompts, lines: list[tuple[str, Speech]]
) -> None:
    start = voice.library.flow.steps[voice.library.flow.start]
    for speech in voice.language_menu(start):
        said = [s for language, s in lines if language == speech.language and s.key == start.ask]
        assert said == [speech]


def test_a_menu_is_read_with_its_keys_and_a_runtime_value_stays_a_placeholder(
    voice: VoicePrompts, lines: list[tuple[str, Speech]]
) -> None:
    menu = voice.library.flow.steps[voice.library.flow.menu_step]
    assert menu.ask is not None
    [said] = [s for language, s in lines if language == "en" and s.key == menu.ask]
    assert said == voice.speech("en", menu.ask, keys=list(menu.choices))
    [queue] = [s for language, s in lines if language == "en" and s.key == "queue_position"]
    assert "{position}" in queue.text and not queue.recordable


def test_the_lines_wording_is_built_once_for_a_set_of_workflow_files() -> None:
    library = get_library()
    assert voice_prompts(library) is voice_prompts(library)


def test_a_new_set_of_workflow_files_gets_its_own_wording() -> None:
    library = get_library()
    reloaded = dataclasses.replace(library)  # what a reload brings: another set, maybe equal
    assert voice_prompts(reloaded).library is reloaded
    assert voice_prompts(library).library is library
