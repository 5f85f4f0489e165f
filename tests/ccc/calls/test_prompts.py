"""Recorded prompts: only a real WAV or MP3 of a prompt's length is kept, written whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from ccc.calls.prompts import (
    MAX_BYTES,
    NotConfigured,
    PromptLine,
    check_audio,
    heard_as,
    recording_of,
    store_recording,
)
from ccc.kernel.errors import Invalid, NotFound
from tests.support.audio import mp3, tone

LINES = [
    PromptLine("ckb", "main_menu", "…", True),
    PromptLine("ckb", "message_saved", "{reference}", False),
    PromptLine("ar", "main_menu", "…", True),
]


def test_a_wav_and_an_mp3_are_measured_by_their_content() -> None:
    wav = check_audio(tone(1.5))
    assert wav.suffix == ".wav" and wav.seconds == pytest.approx(1.5)
    sound = check_audio(mp3(3.0))
    assert sound.suffix == ".mp3" and sound.seconds == pytest.approx(3.0, abs=0.05)
    assert check_audio(mp3(2.0, id3=False)).suffix == ".mp3"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"hello, this is not audio", "WAV or MP3"),
        (b"%PDF-1.7" + bytes(4000), "WAV or MP3"),
        (tone(0.1), "lasts 0.1 s"),
        (tone(130, rate=8000), "lasts 130.0 s"),
        (tone(1.0)[:40], "cannot be read"),
        (mp3(1.0)[:-2000] + b"garbage" * 400, "cannot be read"),
        (b"RIFF" + bytes(MAX_BYTES), "larger than 5 MB"),
    ],
)
def test_what_is_not_a_short_wav_or_mp3_is_refused(data: bytes, words: str) -> None:
    with pytest.raises(Invalid, match=words):
        check_audio(data)


def test_a_new_recording_replaces_the_old_one_whatever_its_format(tmp_path: Path) -> None:
    folder = tmp_path / "prompts"
    first = store_recording(folder, inventory=LINES, language="ckb", key="main_menu", data=tone())
    assert first == folder / "ckb" / "main_menu.wav"
    assert heard_as(folder, LINES[0]) == "recording"
    second = store_recording(folder, inventory=LINES, language="ckb", key="main_menu", data=mp3())
    assert recording_of(folder, "ckb", "main_menu") == second == folder / "ckb" / "main_menu.mp3"
    assert not first.exists()
    assert sorted(p.name for p in (folder / "ckb").iterdir()) == ["main_menu.mp3"]


def test_unknown_spoken_or_unconfigured_prompts_take_no_file(tmp_path: Path) -> None:
    folder = tmp_path / "prompts"
    with pytest.raises(NotFound):
        store_recording(folder, inventory=LINES, language="ckb", key="nothing", data=tone())
    with pytest.raises(Invalid, match="always spoken"):
        store_recording(folder, inventory=LINES, language="ckb", key="message_saved", data=tone())
    with pytest.raises(NotConfigured, match="CCC_VOICE_PROMPTS_DIR is not set"):
        store_recording(None, inventory=LINES, language="ckb", key="main_menu", data=tone())
    with pytest.raises(Invalid):
        store_recording(folder, inventory=LINES, language="ckb", key="main_menu", data=b"junk")
    assert not folder.exists() or not any(folder.rglob("*"))


def test_a_kurdish_prompt_without_a_recording_is_heard_in_arabic(tmp_path: Path) -> None:
    assert heard_as(None, LINES[0]) == "arabic"
    assert heard_as(None, LINES[2]) == "voice"
    assert heard_as(tmp_path, LINES[1]) == "arabic"  # spoken, and Twilio has no Kurdish voice
