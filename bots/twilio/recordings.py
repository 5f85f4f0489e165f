"""Voice messages, streamed through CCC to an authorised user: Twilio's URL never leaves CCC.

The ticket's access rules apply (a ticket the user may not see is a 404, a sensitive one needs
the right to its details), and each play is recorded on the ticket's timeline like a view.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import requests
from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from sqlmodel import select

from ccc.access.policy import check_details, get_visible_ticket
from ccc.api.deps import CallerDep, SessionDep, SettingsDep
from ccc.calls.models import Recording
from ccc.kernel.errors import CCCError, NotFound
from ccc.tickets.models import Ticket
from ccc.tickets.service import record

log = logging.getLogger(__name__)
router = APIRouter(tags=["calls"])
TWILIO_API = "https://api.twilio.com"
CHUNK = 64 * 1024


class Unavailable(CCCError):
    status_code = 502


@router.get("/api/recordings/{recording_sid}", summary="Stream a voice message")
def stream(
    recording_sid: str, session: SessionDep, caller: CallerDep, settings: SettingsDep
) -> StreamingResponse:
    found = session.exec(select(Recording).where(Recording.recording_sid == recording_sid)).first()
    ticket = session.get(Ticket, found.ticket_id) if found else None
    if found is None or ticket is None:
        raise NotFound("recording not found")
    ticket = get_visible_ticket(
        session, caller, ticket.reference, focal_team=settings.restricted_focal_team
    )
    check_details(session, caller, ticket)
    record(session, ticket, "recording.played", caller, recording=recording_sid)
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise Unavailable("recordings are fetched from Twilio, and Twilio is not configured")
    base = (settings.twilio_api_base or TWILIO_API).rstrip("/")
    url = f"{base}/2010-04-01/Accounts/{settings.twilio_account_sid}/Recordings/{recording_sid}.wav"
    try:
        upstream = requests.get(
            url,
            auth=(settings.twilio_account_sid, settings.twilio_auth_token),
            stream=True,
            timeout=15,
        )
    except requests.RequestException as exc:
        raise Unavailable(f"Twilio did not answer: {type(exc).__name__}") from exc
    if upstream.status_code != 200:
        upstream.close()
        raise Unavailable(f"Twilio answered {upstream.status_code} for the recording")

    def chunks() -> Iterator[bytes]:
        with upstream:
            yield from upstream.iter_content(CHUNK)

    return StreamingResponse(chunks(), media_type="audio/wav")
