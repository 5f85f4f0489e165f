"""Who may hear a voice message: the one check both the API's and the console's stream make.

Twilio's URL never leaves CCC. A play goes through the ticket's access rules (a ticket the
user may not see is a 404, a sensitive one needs the right to its details, asked of
`disclose`, which records the read) and adds a `recording.played` event to the timeline. The
audio then comes from CCC's own copy (`CCC_VOICE_RECORDINGS_DIR`) or, through the voice
channel's adapter, from Twilio.
"""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from ccc.access.audit import Detail, disclose
from ccc.access.policy import Caller, get_visible_ticket
from ccc.calls.models import Recording
from ccc.calls.service import find_recording
from ccc.kernel.errors import CCCError, Forbidden, NotFound
from ccc.kernel.settings import Settings
from ccc.kernel.vault import SEALED_SUFFIX, open_text, unseal
from ccc.tickets.models import Ticket
from ccc.tickets.service import record


def disclosed_recording(
    session: Session, *, caller: Caller, recording_sid: str, focal_team: str
) -> tuple[Recording, Ticket]:
    """The recording and its ticket, for a caller who may hear it (or read its transcript):
    404 for a ticket they may not see, as for one that does not exist; 403 for the details of a
    sensitive one they may not read."""
    found = find_recording(session, recording_sid=recording_sid)
    ticket = session.get(Ticket, found.ticket_id) if found else None
    if found is None or ticket is None:
        raise NotFound("recording not found")
    ticket = get_visible_ticket(
        session, caller=caller, reference=ticket.reference, focal_team=focal_team
    )
    if not disclose(session, caller=caller, ticket=ticket, what=Detail.recording):
        raise Forbidden("the details of a sensitive ticket are for its team and supervisors")
    return found, ticket


def authorise_play(
    session: Session, *, caller: Caller, recording_sid: str, focal_team: str
) -> Recording:
    found, ticket = disclosed_recording(
        session, caller=caller, recording_sid=recording_sid, focal_team=focal_team
    )
    record(session, ticket=ticket, kind="recording.played", caller=caller, recording=recording_sid)
    return found


class KeptFileUnreadable(CCCError):
    status_code = 503


def kept_audio(settings: Settings, recording: Recording) -> bytes | None:
    """CCC's own copy, once the keep job has moved it out of Twilio, decrypted in memory (it
    is never written back to disk in the clear)."""
    if not (recording.stored_file and settings.voice_recordings_dir):
        return None
    kept = Path(settings.voice_recordings_dir) / Path(recording.stored_file).name
    if not kept.is_file():
        return None
    data = kept.read_bytes()
    if not kept.name.endswith(SEALED_SUFFIX):
        return data  # kept before encryption at rest: see docs/data-protection.md
    if not settings.recordings_key:
        raise KeptFileUnreadable("recordings are encrypted and CCC_RECORDINGS_KEY is not set")
    try:
        return unseal(settings.recordings_key, data)
    except ValueError as exc:
        raise KeptFileUnreadable(str(exc)) from None


def transcript_text(settings: Settings, recording: Recording) -> str | None:
    """The transcript's words, opened in memory for a reader already allowed to see them."""
    if recording.transcript is None:
        return None
    try:
        return open_text(settings.recordings_key, recording.transcript)
    except ValueError as exc:
        raise KeptFileUnreadable(str(exc)) from None


def recordings_of(session: Session, *, ticket: Ticket) -> list[Recording]:
    query = select(Recording).where(Recording.ticket_id == ticket.id).order_by(col(Recording.id))
    return list(session.exec(query).all())
