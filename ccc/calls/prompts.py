"""The centre's recorded IVR prompts: what each prompt says, whether it is recorded, and
taking a new recording for it.

Recordings live in `CCC_VOICE_PROMPTS_DIR` as `LANG/PROMPT.wav` or `.mp3`, where the IVR and
`ccc voice prompts` look for them on each call, so a stored file is heard on the next call. The
wording itself comes from the flows (`workflows/`), which the core does not import: the
composition root hands the console an `Inventory` (see `ccc/api/wiring.py`).
"""

from __future__ import annotations

import io
import os
import tempfile
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ccc.kernel.errors import Invalid, NotFound

LANGUAGES = ("ar", "ckb", "kmr", "en")
SUFFIXES = (".wav", ".mp3")
MAX_BYTES = 5 * 1024 * 1024
MIN_SECONDS = 0.3
MAX_SECONDS = 120.0
# Twilio speaks Arabic and English; a Kurdish prompt without its own recording is heard in Arabic.
SPOKEN = frozenset({"ar", "en"})


@dataclass(frozen=True)
class PromptLine:
    """One prompt of the line in one language, as `ccc voice prompts` lists it."""

    language: str
    key: str
    text: str
    recordable: bool  # False: it carries a value of the call (a reference) and is spoken


Inventory = Callable[[], list[PromptLine]]


class NotConfigured(Invalid):
    """No folder for recordings: the console says so and takes no upload."""


def folder_of(setting: str | None) -> Path | None:
    return Path(setting) if setting else None


def recording_of(folder: Path | None, language: str, key: str) -> Path | None:
    """The file the IVR plays for this prompt (the same order as the IVR: WAV, then MP3)."""
    if folder is None:
        return None
    for suffix in SUFFIXES:
        path = folder / language / f"{key}{suffix}"
        if path.is_file():
            return path
    return None


def heard_as(folder: Path | None, line: PromptLine) -> str:
    """What a caller hears: `recording`, `voice` (Twilio's Arabic or English voice), or for
    Kurdish without a recording `arabic` (the Arabic recording or voice in its place)."""
    if line.recordable and recording_of(folder, line.language, line.key) is not None:
        return "recording"
    return "voice" if line.language in SPOKEN else "arabic"


@dataclass(frozen=True)
class Audio:
    suffix: str
    seconds: float


def check_audio(data: bytes) -> Audio:
    """A WAV (PCM) or MP3 file, judged by its content and not its name, of a sensible length."""
    if len(data) > MAX_BYTES:
        raise Invalid(f"the recording is larger than {MAX_BYTES // (1024 * 1024)} MB")
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        audio = Audio(".wav", _wav_seconds(data))
    elif data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        audio = Audio(".mp3", _mp3_seconds(data))
    else:
        raise Invalid("the recording must be a WAV or MP3 file")
    if not MIN_SECONDS <= audio.seconds <= MAX_SECONDS:
        raise Invalid(
            f"the recording lasts {audio.seconds:.1f} s; a prompt lasts "
            f"{MIN_SECONDS} to {MAX_SECONDS:.0f} s"
        )
    return audio


def _wav_seconds(data: bytes) -> float:
    try:
        with wave.open(io.BytesIO(data)) as wav:
            frames, rate = wav.getnframes(), wav.getframerate()
    except (wave.Error, EOFError) as exc:
        raise Invalid("the WAV file cannot be read (it must be PCM)") from exc
    if rate <= 0 or frames <= 0:
        raise Invalid("the WAV file holds no sound")
    return float(frames) / float(rate)


_MP3_BITRATES = {
    1: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame(data: bytes, at: int) -> tuple[int, int, int] | None:
    """(frame length in bytes, samples, sample rate) of the MPEG layer III frame at `at`."""
    if at + 4 > len(data) or data[at] != 0xFF or data[at + 1] & 0xE0 != 0xE0:
        return None
    version = (data[at + 1] >> 3) & 0b11
    layer = (data[at + 1] >> 1) & 0b11
    bitrate_index = data[at + 2] >> 4
    rate_index = (data[at + 2] >> 2) & 0b11
    if version == 1 or layer != 0b01 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    padding = (data[at + 2] >> 1) & 1
    mpeg1 = version == 3
    bitrate = _MP3_BITRATES[1 if mpeg1 else 2][bitrate_index] * 1000
    rate = _MP3_RATES[version][rate_index]
    samples = 1152 if mpeg1 else 576
    length = (144 if mpeg1 else 72) * bitrate // rate + padding
    return length, samples, rate


def _mp3_seconds(data: bytes) -> float:
    at = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        at = 10 + size
    seconds, frames, start = 0.0, 0, at
    while (frame := _mp3_frame(data, at)) is not None:
        length, samples, rate = frame
        seconds += samples / rate
        frames += 1
        at += length
    rest = len(data) - at
    if frames < 2 or rest > max(128, (len(data) - start) // 10):
        raise Invalid("the MP3 file cannot be read (it must be MPEG audio layer III)")
    return seconds


def store_recording(
    folder: Path | None, *, inventory: list[PromptLine], language: str, key: str, data: bytes
) -> Path:
    """Checks then writes the file in place of any earlier one, atomically: a call that
    starts meanwhile plays the old recording or the new one, never half a file."""
    if folder is None:
        raise NotConfigured(
            "CCC_VOICE_PROMPTS_DIR is not set: recordings cannot be kept; set it and restart"
        )
    line = next((p for p in inventory if p.language == language and p.key == key), None)
    if line is None:
        raise NotFound("no such prompt")
    if not line.recordable:
        raise Invalid("this prompt carries a value of the call and is always spoken")
    audio = check_audio(data)
    target_dir = folder / language
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{key}{audio.suffix}"
    handle, temporary = tempfile.mkstemp(dir=target_dir, prefix=f".{key}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    for suffix in SUFFIXES:
        if suffix != audio.suffix:
            (target_dir / f"{key}{suffix}").unlink(missing_ok=True)
    return target
