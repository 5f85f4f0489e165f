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
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import FileResponse
from sqlmodel import Session
from twilio.twiml.voice_response import VoiceResponse

from bots.twilio import voice_twiml
from bots.twilio.forms import FormDep, TwilioForm
from bots.twilio.turned_away import TurnedAwayBook, turned_away_book
from ccc.calls import service as calls
from ccc.jobs.outbox import run_in_background
from ccc.kernel.errors import CCCError, Invalid, NotFound
from ccc.kernel.phone import to_e164
from ccc.kernel.runtime import Runtime
from ccc.kernel.settings import Settings
from ccc.kernel.web import (
    RuntimeDep,
    SessionDep,
    SettingsDep,
    in_webhook_thread,
    webhook_slots,
    webhooks_backed_up,
)
from ccc.metrics import mark_outcome
from workflows.ivr import keypad as ivr
from workflows.ivr import person as ivr_person
from workflows.ivr.busy import lines_busy
from workflows.ivr.voice_prompts import AUDIO_SUFFIXES, LANGUAGES_WITH_FILES

log = logging.getLogger(__name__)

BASE = voice_twiml.BASE
STATUS_PATH = f"{BASE}/status"
router = APIRouter(prefix=BASE, tags=["webhooks"])
_SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
_FILE = re.compile(r"^[a-z0-9_]{1,64}\.(wav|mp3)$")
TRANSCRIPTION_STATUSES = frozenset({"completed", "failed"})


def _caller(form: TwilioForm, settings: Settings) -> str | None:
    number = form.get("From") or form.get("Caller")
    return to_e164(number, settings.default_region)


def _call_sid(form: TwilioForm) -> str:
    sid = form.get("CallSid")
    if not _SID.match(sid):
        raise Invalid("CallSid is missing or malformed")
    return sid


@dataclass(frozen=True)
class VoiceStep:
    """One verified request of a call: the form (signature already checked), its CallSid and
    caller, and the way every step answers: its screen as TwiML, or the call started over."""

    form: TwilioForm
    session: Session
    settings: Settings
    sid: str

    @property
    def caller(self) -> str | None:
        return _caller(self.form, self.settings)

    def answer(self, make: Callable[[], ivr.Screen]) -> Response:
        return _answer(self.session, self.settings, make, self.sid)

    def number(self, name: str) -> int:
        return _number(self.form, name)


def _number(form: TwilioForm, name: str) -> int:
    try:
        return max(0, int(form.get(name) or 0))
    except ValueError as exc:
        raise Invalid(f"{name} is not a number") from exc


async def _in_one_trip(
    form: TwilioForm, runtime: Runtime, act: Callable[[VoiceStep], Response]
) -> Response:
    """The step's whole transaction (its session opened, the step, the commit and the hand-over
    of its jobs) in one trip to a thread (`in_webhook_thread`): as a plain `def` route with a
    session dependency it took three, each a thread switch, and the line answers most of a
    year's webhooks (bench/replay.py)."""
    sid = _call_sid(form)
    return await in_webhook_thread(runtime, _in_transaction, form, runtime, sid, act)


def _in_transaction(
    form: TwilioForm, runtime: Runtime, sid: str, act: Callable[[VoiceStep], Response]
) -> Response:
    with runtime.unit_of_work() as session:
        return act(VoiceStep(form, session, runtime.settings, sid))


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
async def incoming(request: Request, form: FormDep, runtime: RuntimeDep) -> Response:
    """A new call; or, while this process is behind, "all our lines are busy" (see `_busy`)."""
    if webhooks_backed_up(runtime):
        return _busy(request, form, runtime)
    return await _in_one_trip(form, runtime, _incoming)


def _busy(request: Request, form: TwilioForm, runtime: Runtime) -> Response:
    """A surge past what the process can answer makes every request wait, and Twilio gives up
    on one after 15 s: the callers already in the menus would hear an application error. So
    while the oldest waiting webhook has waited `CCC_VOICE_BUSY_AFTER` seconds, a new call is
    told the lines are busy, at once and without a transaction, and the calls in progress keep
    their threads. Only the first request of a call: a key press, a voice message or an SMS is
    never turned away. The call is noted, to be recorded and called back after the fact."""
    waited = webhook_slots(runtime).oldest_wait()
    log.warning("webhooks wait %.1f s for a thread: a new call is told the lines are busy", waited)
    mark_outcome(request, "busy")
    settings = runtime.settings
    sid = form.get("CallSid")
    if _SID.match(sid):  # written a second later, with others (`turned_away`)
        turned_away_book(request.app.state, runtime).note(sid, _caller(form, settings))
    screen = voice_twiml.own_voices(lines_busy(), settings)
    return Response(voice_twiml.render(screen, settings), media_type="text/xml")


def _incoming(step: VoiceStep) -> Response:
    return step.answer(lambda: ivr.incoming(step.session, call_sid=step.sid, phone=step.caller))


@router.post("/gather", summary="Keys pressed at a menu")
async def gather(form: FormDep, runtime: RuntimeDep) -> Response:
    return await _in_one_trip(form, runtime, _gather)


def _gather(step: VoiceStep) -> Response:
    digits = step.form.get("Digits")[:40]
    return step.answer(
        lambda: ivr.press(step.session, call_sid=step.sid, phone=step.caller, digits=digits)
    )


@router.post("/recording", summary="A voice message was recorded")
async def recording(form: FormDep, runtime: RuntimeDep) -> Response:
    recording_sid = form.get("RecordingSid")
    if recording_sid and not _SID.match(recording_sid):
        raise Invalid("RecordingSid is malformed")
    try:
        duration = int(form.get("RecordingDuration") or 0)
    except ValueError as exc:
        raise Invalid("RecordingDuration is not a number") from exc

    def act(step: VoiceStep) -> Response:
        run_in_background(step.session)  # the reference by SMS must not hold up the answer
        return step.answer(
            lambda: ivr.recorded(
                step.session,
                call_sid=step.sid,
                phone=step.caller,
                recording_sid=recording_sid,
                duration=duration,
                url=step.form.get("RecordingUrl")[:500] or None,
            )
        )

    return await _in_one_trip(form, runtime, act)


@router.post("/transcription", summary="Twilio's transcription of a voice message")
def transcription(form: FormDep, session: SessionDep, settings: SettingsDep) -> Response:
    """Stored with its recording, read only through the access layer; never logged. Twilio
    may post it more than once; a recording CCC does not know is 200 and ignored."""
    recording_sid = form.get("RecordingSid")
    if not _SID.match(recording_sid):
        raise Invalid("RecordingSid is missing or malformed")
    status = form.get("TranscriptionStatus").lower()[:20]
    if status not in TRANSCRIPTION_STATUSES:
        raise Invalid("TranscriptionStatus must be 'completed' or 'failed'")
    calls.store_transcript(
        session,
        recording_sid=recording_sid,
        status=status,
        text=form.get("TranscriptionText"),
        keys=settings.recordings_key,
    )
    return Response(str(VoiceResponse()), media_type="text/xml")


@router.post("/queue/wait", summary="What a caller waiting for an agent hears")
async def queue_wait(form: FormDep, runtime: RuntimeDep) -> Response:
    return await _in_one_trip(form, runtime, _queue_wait)


def _queue_wait(step: VoiceStep) -> Response:
    position, waited = step.number("QueuePosition"), step.number("QueueTime")
    return step.answer(
        lambda: ivr_person.queue_wait(
            step.session, call_sid=step.sid, position=position, waited=waited
        )
    )


@router.post("/queue/result", summary="The caller left the agents' queue")
async def queue_result(form: FormDep, runtime: RuntimeDep) -> Response:
    return await _in_one_trip(form, runtime, _queue_result)


def _queue_result(step: VoiceStep) -> Response:
    result = step.form.get("QueueResult").lower()
    return step.answer(
        lambda: ivr_person.queue_result(step.session, call_sid=step.sid, result=result)
    )


@router.post("/connect", summary="An agent takes the caller from the queue")
async def connect(form: FormDep, runtime: RuntimeDep) -> Response:
    return await _in_one_trip(form, runtime, _connect)


def _connect(step: VoiceStep) -> Response:
    agent_sid = step.form.get("DequeingCallSid") or None
    return step.answer(
        lambda: ivr_person.connect(step.session, call_sid=step.sid, agent_call_sid=agent_sid)
    )


@router.post("/agent", summary="Twilio Voice: a call to the agent line")
async def agent(form: FormDep, runtime: RuntimeDep) -> Response:
    return await _in_one_trip(form, runtime, _agent)


def _agent(step: VoiceStep) -> Response:
    screen = ivr_person.agent_line(
        step.session,
        call_sid=step.sid,
        phone=step.caller,
        focal_team=step.settings.restricted_focal_team,
    )
    return Response(voice_twiml.render(screen, step.settings), media_type="text/xml")


@router.post("/status", summary="Twilio call status callback")
async def status(request: Request, form: FormDep, runtime: RuntimeDep) -> Response:
    """A call turned away in a surge and not yet written keeps its status for the write
    (`turned_away`), without a transaction; any other call's is stored now."""
    book: TurnedAwayBook | None = getattr(request.app.state, "turned_away", None)
    if book is not None:
        reported, duration = _call_end(form)
        if reported and book.ended(_call_sid(form), reported, duration):
            return Response(str(VoiceResponse()), media_type="text/xml")
    return await _in_one_trip(form, runtime, _status)


def _call_end(form: TwilioForm) -> tuple[str, int | None]:
    """Twilio's final word on a call: its status, and its duration when given."""
    duration = _number(form, "CallDuration") if form.get("CallDuration") else None
    return form.get("CallStatus").lower()[:20], duration


def _status(step: VoiceStep) -> Response:
    run_in_background(step.session)
    reported, duration = _call_end(step.form)
    if reported:
        calls.end_call(step.session, call_sid=step.sid, status=reported, duration=duration)
    return Response(str(VoiceResponse()), media_type="text/xml")


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
