"""The simulator channel: a person typing into CCC over plain HTTP, with no outside account.

It is how demos and tests drive the whole flow, and how outbound messages recorded on any
channel are read back. It shows conversations without a login, so it exists only when
`CCC_SIMULATOR=on`.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from ccc.channels.models import Channel
from ccc.channels.port import InboundMessage
from ccc.contacts.service import identities_for_address
from ccc.kernel.errors import Invalid
from ccc.kernel.phone import to_e164
from ccc.kernel.web import SessionDep, SettingsDep
from ccc.messages.schemas import Accepted, MessageOut, SimulatorIn
from ccc.messages.service import accept_inbound, transcript

router = APIRouter(prefix="/api/simulator", tags=["simulator"])
_ADDRESS = re.compile(r"^[\w:+.@-]{1,64}$")


def normalise_address(raw: str, region: str) -> str:
    """A phone number in E.164 (`+` may arrive as a space from an unencoded query string);
    anything else (a Telegram chat id of any length, a test name) as written."""
    text = raw.strip()
    if raw.startswith(" ") and text[:1].isdigit():
        text = "+" + text
    if text.lower().startswith("whatsapp:"):
        text = text.split(":", 1)[1]
    if text.startswith(("+", "0")) or (text.startswith("964") and len(text) in (12, 13)):
        phone = to_e164(text, region)
        if phone is not None:
            return phone
    if not _ADDRESS.match(text):
        raise Invalid("address must be a phone number or an id of at most 64 letters and digits")
    return text


def parse(body: SimulatorIn, region: str) -> InboundMessage:
    return InboundMessage(
        channel=Channel.simulator,
        address=normalise_address(body.from_, region),
        external_id=None,
        text=body.text,
    )


PAGE = Path(__file__).with_name("static") / "simulator.html"
page_router = APIRouter(tags=["simulator"])


@page_router.get("/simulator", response_class=HTMLResponse, include_in_schema=False)
def simulator_page() -> HTMLResponse:
    """A phone-like page over the two endpoints below, for demos and translators."""
    return HTMLResponse(PAGE.read_text(encoding="utf-8"))


@router.post("/messages", status_code=202, response_model=Accepted)
def post_message(body: SimulatorIn, session: SessionDep, settings: SettingsDep) -> Accepted:
    accepted = accept_inbound(session, inbound=parse(body, settings.default_region))
    return Accepted(message_id=accepted.message_id)


@router.get("/messages", response_model=list[MessageOut])
def get_messages(
    session: SessionDep,
    settings: SettingsDep,
    address: str = Query(min_length=1, max_length=80),
) -> list[MessageOut]:
    identities = identities_for_address(
        session, address=normalise_address(address, settings.default_region)
    )
    return [
        MessageOut.model_validate(message, from_attributes=True)
        for message in transcript(session, identities)
    ]
