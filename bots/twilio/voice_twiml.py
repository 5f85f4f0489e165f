"""Screens of the IVR as TwiML, through the `twilio` library's `VoiceResponse` only.

A prompt is a recording (`<Play>`, served by CCC from `CCC_VOICE_PROMPTS_DIR`) when the centre
has one, else `<Say>` in Arabic or English with the configured voice. Twilio has no Kurdish
voice: a Kurdish prompt without its recording falls back to the Arabic recording or voice,
logged once per prompt, never to silence.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from pathlib import Path

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from ccc.kernel.settings import Settings
from workflows.ivr.keypad import Screen
from workflows.ivr.voice_prompts import FALLBACK, SPOKEN, Speech, recording_path

log = logging.getLogger(__name__)

BASE = "/webhooks/twilio/voice"
QUEUE = "ccc"
GATHER_TIMEOUT = 7
RECORD_SILENCE = 5
WAIT_PAUSE = 15

_fallbacks_logged: set[tuple[str, str]] = set()
_lock = threading.Lock()


def _log_fallback(language: str, key: str) -> None:
    with _lock:
        if (language, key) in _fallbacks_logged:
            return
        _fallbacks_logged.add((language, key))
    log.warning("no %s recording of prompt %r: the Arabic is played instead", language, key)


def url(settings: Settings, action: str) -> str:
    return f"{settings.public_url}{BASE}/{action}"


def _prompts_dir(settings: Settings) -> Path | None:
    return Path(settings.voice_prompts_dir) if settings.voice_prompts_dir else None


def speak(target: VoiceResponse | Gather, speech: Speech, settings: Settings) -> None:
    """One prompt: its recording, its voice, or (Kurdish) the Arabic recording or voice."""
    directory = _prompts_dir(settings)
    if speech.recordable:
        own = recording_path(directory, speech.language, speech.key)
        if own is not None:
            target.play(_play_url(settings, speech.language, own))
            return
    if speech.language in SPOKEN:
        _say(target, speech.text, speech.language, settings)
        return
    _log_fallback(speech.language, speech.key)
    arabic = recording_path(directory, FALLBACK, speech.key) if speech.recordable else None
    if arabic is not None:
        target.play(_play_url(settings, FALLBACK, arabic))
        return
    _say(target, speech.arabic, FALLBACK, settings)


def own_voices(screen: Screen, settings: Settings) -> Screen:
    """A notice said in several languages (`workflows.ivr.busy`) keeps the first and those said
    in their own words (a voice Twilio has, or the centre's recording): a Kurdish one without
    its recording would only be the Arabic again."""

    def own(speech: Speech) -> bool:
        if speech.language in SPOKEN:
            return True
        directory = _prompts_dir(settings)
        return (
            speech.recordable and recording_path(directory, speech.language, speech.key) is not None
        )

    kept = tuple(s for index, s in enumerate(screen.speech) if index == 0 or own(s))
    return replace(screen, speech=kept)


def _say(target: VoiceResponse | Gather, text: str, language: str, settings: Settings) -> None:
    if language == "en":
        target.say(text, voice=settings.voice_en_voice, language=settings.voice_en_language)
    else:
        target.say(text, voice=settings.voice_ar_voice, language=settings.voice_ar_language)


def _play_url(settings: Settings, language: str, path: Path) -> str:
    return f"{settings.public_url}{BASE}/prompts/{language}/{path.name}"


def render(screen: Screen, settings: Settings) -> str:
    response = VoiceResponse()
    if screen.then == "gather":
        gather = Gather(
            action=url(settings, screen.action),
            method="POST",
            timeout=GATHER_TIMEOUT,
            finish_on_key="#",
            action_on_empty_result=True,
            **({"num_digits": screen.digits} if screen.digits else {}),
        )
        for speech in screen.speech:
            speak(gather, speech, settings)
        response.append(gather)
        return str(response)
    for speech in screen.speech:
        speak(response, speech, settings)
    _finish(response, screen, settings)
    return str(response)


def _finish(response: VoiceResponse, screen: Screen, settings: Settings) -> None:
    if screen.then == "record":
        response.record(
            action=url(settings, screen.action),
            method="POST",
            max_length=settings.voice_record_seconds,
            timeout=RECORD_SILENCE,
            finish_on_key="#*",
            play_beep=True,
            transcribe=settings.voice_transcribe,
            # Twilio posts the words here (signed): stored with the recording, never logged.
            **(
                {"transcribe_callback": url(settings, "transcription")}
                if settings.voice_transcribe
                else {}
            ),
        )
        # Silence ends a <Record> without calling its action: say so and go on.
        response.redirect(url(settings, screen.action), method="POST")
    elif screen.then == "enqueue":
        response.enqueue(
            QUEUE,
            action=url(settings, "queue/result"),
            method="POST",
            wait_url=url(settings, "queue/wait"),
            wait_url_method="POST",
        )
    elif screen.then == "wait":
        response.pause(length=WAIT_PAUSE)
    elif screen.then == "leave":
        response.leave()
    elif screen.then == "dial_queue":
        dial = Dial()
        dial.queue(QUEUE, url=url(settings, screen.action), method="POST")
        response.append(dial)
    elif screen.then == "hangup":
        response.hangup()
