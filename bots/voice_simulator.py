"""The simulator's phone keypad: a test call to the same IVR, with no Twilio account.

Each step returns what the line would say (in the caller's language, as text to read) and
what it waits for; a typed text stands for the voice message. Demos, translators and
supervisors check the IVR's wording here. Mounted only with `CCC_SIMULATOR=on`.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from ccc.api.deps import SessionDep, SettingsDep
from ccc.calls import service as calls
from ccc.kernel.errors import Invalid, NotFound
from ccc.kernel.phone import to_e164
from workflows.ivr import keypad as ivr

router = APIRouter(prefix="/api/simulator/calls", tags=["simulator"])
page_router = APIRouter(tags=["simulator"])
PAGE = Path(__file__).with_name("static") / "voice.html"
SIMULATED = "SIM"


class CallIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    from_: str = Field(alias="from", min_length=1, max_length=64)


class KeysIn(BaseModel):
    digits: str = Field(default="", max_length=40, pattern=r"^[0-9*#]*$")


class VoiceMessageIn(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class Said(BaseModel):
    key: str
    language: str
    text: str
    recordable: bool


class ScreenOut(BaseModel):
    """What the line says, as text, and what it waits for next."""

    call_sid: str
    said: list[Said]
    then: str
    digits: int | None


def _screen(call_sid: str, screen: ivr.Screen) -> ScreenOut:
    return ScreenOut(
        call_sid=call_sid,
        said=[
            Said(key=s.key, language=s.language, text=s.text, recordable=s.recordable)
            for s in screen.speech
        ],
        then=screen.then,
        digits=screen.digits,
    )


def _known(session: SessionDep, call_sid: str) -> str:
    if not call_sid.startswith(SIMULATED) or calls.find_call(session, call_sid=call_sid) is None:
        raise NotFound("no such simulated call")
    return call_sid


@page_router.get("/simulator/voice", response_class=HTMLResponse, include_in_schema=False)
def keypad_page() -> HTMLResponse:
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))


@router.post("", status_code=201, response_model=ScreenOut)
def place_call(body: CallIn, session: SessionDep, settings: SettingsDep) -> ScreenOut:
    phone = to_e164(body.from_, settings.default_region)
    if phone is None:
        raise Invalid("from must be a phone number")
    sid = f"{SIMULATED}{uuid.uuid4().hex}"
    return _screen(sid, ivr.incoming(session, call_sid=sid, phone=phone))


@router.post("/{call_sid}/keys", response_model=ScreenOut)
def press_keys(call_sid: str, body: KeysIn, session: SessionDep) -> ScreenOut:
    sid = _known(session, call_sid)
    digits = body.digits.rstrip("#") if len(body.digits) > 1 else body.digits
    return _screen(sid, ivr.press(session, call_sid=sid, phone=None, digits=digits))


@router.post("/{call_sid}/voice-message", response_model=ScreenOut)
def leave_message(call_sid: str, body: VoiceMessageIn, session: SessionDep) -> ScreenOut:
    sid = _known(session, call_sid)
    screen = ivr.recorded(
        session,
        call_sid=sid,
        phone=None,
        recording_sid=f"{SIMULATED}RE{uuid.uuid4().hex}",
        duration=max(1, len(body.text) // 12),
        url=None,
        words=body.text,
    )
    return _screen(sid, screen)


@router.post("/{call_sid}/hangup", status_code=204)
def hang_up(call_sid: str, session: SessionDep) -> None:
    sid = _known(session, call_sid)
    calls.end_call(session, call_sid=sid, status="completed", duration=None)
