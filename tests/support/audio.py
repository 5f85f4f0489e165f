"""Small real audio files for tests: a PCM WAV tone and a stream of MPEG layer III frames."""

from __future__ import annotations

import io
import math
import wave

# MPEG-1 layer III, 128 kbit/s, 44.1 kHz, no padding: 417 bytes and 1152 samples a frame.
MP3_HEADER = bytes([0xFF, 0xFB, 0x90, 0x00])
MP3_FRAME = 417


def tone(seconds: float = 0.5, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(
            b"".join(
                int(8000 * math.sin(i / rate * 2 * math.pi * 440)).to_bytes(
                    2, "little", signed=True
                )
                for i in range(int(rate * seconds))
            )
        )
    return out.getvalue()


def mp3(seconds: float = 1.0, *, id3: bool = True) -> bytes:
    frames = max(2, round(seconds * 44100 / 1152))
    body = (MP3_HEADER + bytes(MP3_FRAME - 4)) * frames
    if not id3:
        return body
    tag = b"ID3\x04\x00\x00" + bytes([0, 0, 0, 10]) + bytes(10)
    return tag + body
