"""The toll-free line: Twilio Voice webhooks, answered with TwiML from the IVR.

Every request is verified like messaging (`FormDep`). A call's state lives in the database
(its call record and the engine's conversation), so any web process can answer any step, and
a request for a call CCC does not know starts it over at the language menu. Whatever goes
wrong inside, the caller hears an apology and the menu again: never a 500 on these paths.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from sqlmodel import Session
from twilio.twiml.voice_response import VoiceResponse

from bots.twilio import voice_twiml
from bots.twilio.forms import FormDep, TwilioForm
from ccc.api.deps import SessionDep, SettingsDep
from ccc.calls import service as calls
from ccc.jobs.outbox import run_in_background
from ccc.kernel.errors import CCCError, Invalid, NotFound
from ccc.kernel.phone import to_e164
from ccc.kernel.settings import Settings
from workflows import ivr, ivr_person
from workflows.voice_prompts import AUDIO_SUFFIXES, LANGUAGES_WITH_FILES

log = logging.getLogger(__name__)

BASE = voice_twiml.BASE
STATUS_PATH = f"{BASE}/status"
router = APIRouter(prefix=BASE, tags=["webhooks"])
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
_FILE = re.compile(r"^[a-z0-9_]{1,64}\.(wav|mp3)$")


def _call_sid(form: TwilioForm) -> str:
    sid = form.get("CallSid")
    if not _SID.match(sid):
        raise Invalid("CallSid is missing or malformed")
    return sid


def _caller(form: TwilioForm, settings: Settings) -> str | None:
    return to_e164(form.get("From") or form.get("Caller"), settings.default_region)


def _answer(
    session: Session, settings: Settings, make: Callable[[], ivr.Screen], call_sid: str
) -> Response:
    """The screen as TwiML; on an unexpected failure, nothing half-stored and the call goes on
    at the language menu (or ends politely when even that fails)."""
    try:
        screen = make()
    except CCCError:
        raise
    except Exception:
        log.exception("voice step failed; starting the call over")
        session.rollback()
        try:
            with session.begin_nested():
                screen = ivr.incoming(session, call_sid=call_sid, phone=None)
        except Exception:
            log.exception("voice restart failed too")
            session.rollback()
            screen = ivr.Screen((), "hangup")
    return Response(voice_twiml.render(screen, settings), media_type="text/xml")


@router.post("", summary="Twilio Voice: a call to the toll-free line")
def incoming(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    sid = _call_sid(form)
    phone = _caller(form, settings)
    return _answer(session, settings, lambda: ivr.incoming(session, call_sid=sid, phone=phone), sid)


@router.post("/gather", summary="Keys pressed at a menu")
def gather(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    sid = _call_sid(form)
    phone = _caller(form, settings)
    digits = form.get("Digits")[:40]
    return _answer(
        session,
        settings,
        lambda: ivr.press(session, call_sid=sid, phone=phone, digits=digits),
        sid,
    )


@router.post("/recording", summary="A voice message was recorded")
def recording(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    sid = _call_sid(form)
    run_in_background(session)  # the reference by SMS must not hold up the answer
    phone = _caller(form, settings)
    recording_sid = form.get("RecordingSid")
    if recording_sid and not _SID.match(recording_sid):
        raise Invalid("RecordingSid is malformed")
    try:
        duration = int(form.get("RecordingDuration") or 0)
    except ValueError as exc:
        raise Invalid("RecordingDuration is not a number") from exc
    return _answer(
        session,
        settings,
        lambda: ivr.recorded(
            session,
            call_sid=sid,
            phone=phone,
            recording_sid=recording_sid,
            duration=duration,
            url=form.get("RecordingUrl")[:500] or None,
        ),
        sid,
    )


@router.post("/queue/wait", summary="What a caller waiting for an agent hears")
def queue_wait(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    sid = _call_sid(form)
    position, waited = _number(form, "QueuePosition"), _number(form, "QueueTime")
    return _answer(
        session,
        settings,
        lambda: ivr_person.queue_wait(session, call_sid=sid, position=position, waited=waited),
        sid,
    )


@router.post("/queue/result", summary="The caller left the agents' queue")
def queue_result(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    sid = _call_sid(form)
    result = form.get("QueueResult").lower()
    return _answer(
        session,
        settings,
        lambda: ivr_person.queue_result(session, call_sid=sid, result=result),
        sid,
    )


@router.post("/connect", summary="An agent takes the caller from the queue")
def connect(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    sid = _call_sid(form)
    agent_sid = form.get("DequeingCallSid") or None
    return _answer(
        session,
        settings,
        lambda: ivr_person.connect(session, call_sid=sid, agent_call_sid=agent_sid),
        sid,
    )


@router.post("/agent", summary="Twilio Voice: a call to the agent line")
def agent(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    sid = _call_sid(form)
    phone = _caller(form, settings)
    screen = ivr_person.agent_line(session, call_sid=sid, phone=phone)
    return Response(voice_twiml.render(screen, settings), media_type="text/xml")


@router.post("/status", summary="Twilio call status callback")
def status(form: FormDep, session: SessionDep) -> Response:
    sid = _call_sid(form)
    run_in_background(session)
    reported = form.get("CallStatus").lower()[:20]
    duration = _number(form, "CallDuration") if form.get("CallDuration") else None
    if reported:
        calls.end_call(session, call_sid=sid, status=reported, duration=duration)
    return Response(str(VoiceResponse()), media_type="text/xml")


def _number(form: TwilioForm, name: str) -> int:
    try:
        return max(0, int(form.get(name) or 0))
    except ValueError as exc:
        raise Invalid(f"{name} is not a number") from exc


@router.get("/prompts/{language}/{name}", summary="A recorded prompt, for <Play>")
def prompt_file(language: str, name: str, settings: SettingsDep) -> FileResponse:
    """Prompts are the centre's own recordings of public wording: no secret, no signature
    (Twilio fetches `<Play>` URLs with a plain GET)."""
    folder = settings.voice_prompts_dir
    if language not in LANGUAGES_WITH_FILES or not _FILE.match(name) or not folder:
        raise NotFound("no such prompt")
    path = Path(folder) / language / name
    if path.suffix not in AUDIO_SUFFIXES or not path.is_file():
        raise NotFound("no such prompt")
    media = "audio/mpeg" if path.suffix == ".mp3" else "audio/wav"
    return FileResponse(path, media_type=media)
