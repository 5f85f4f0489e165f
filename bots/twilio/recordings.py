"""Voice messages as Twilio keeps them: fetched for CCC's own `/api/recordings` route
(`ccc/calls/api.py`) and the console, so Twilio's URL never leaves CCC.

Where `CCC_VOICE_RECORDINGS_DIR` is set, a job (`keep_recording`) downloads each recording into
that folder and deletes it from Twilio; CCC then serves its own copy.

Who may hear it is decided in the core (`ccc/calls/recordings.py`), for this route and the
console's alike; this module fetches the audio from Twilio (`from_twilio`, the voice channel's
recording source) and keeps a copy where configured.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from sqlmodel import Session

from ccc.calls.service import KEEP_RECORDING, find_recording
from ccc.jobs.registry import External, Outcome, external_job_kind
from ccc.kernel.errors import CCCError
from ccc.kernel.runtime import get_runtime
from ccc.kernel.settings import Settings
from ccc.kernel.vault import SEALED_SUFFIX, seal

log = logging.getLogger(__name__)
TWILIO_API = "https://api.twilio.com"
CHUNK = 64 * 1024


class Unavailable(CCCError):
    status_code = 502


def from_twilio(settings: Settings, recording_sid: str) -> Iterator[bytes]:
    """The recording as Twilio keeps it; the request is made now, so a refusal is a 502
    before any byte is sent."""
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

    return chunks()


@dataclass(frozen=True)
class Keeping:
    recording_sid: str
    folder: str
    key: str
    base: str
    account_sid: str
    auth_token: str


def prepare_keep(session: Session, recording_sid: str, **_extra: Any) -> Keeping | None:
    settings = get_runtime().settings
    found = find_recording(session, recording_sid=recording_sid)
    if found is None:
        raise LookupError(f"recording {recording_sid} does not exist")
    folder = settings.voice_recordings_dir
    if found.stored_file or not folder or not settings.twilio_configured:
        return None
    assert settings.twilio_account_sid and settings.twilio_auth_token
    assert settings.recordings_key  # the settings refuse a folder without a key
    return Keeping(
        recording_sid=recording_sid,
        folder=folder,
        key=settings.recordings_key,
        base=(settings.twilio_api_base or TWILIO_API).rstrip("/"),
        account_sid=settings.twilio_account_sid,
        auth_token=settings.twilio_auth_token,
    )


def perform_keep(item: Keeping) -> str:
    """Download into memory, encrypt (CCC_RECORDINGS_KEY), write under a temporary name and
    rename once complete, then delete Twilio's copy: no plain audio ever touches the disk."""
    url = f"{item.base}/2010-04-01/Accounts/{item.account_sid}/Recordings/{item.recording_sid}"
    auth = (item.account_sid, item.auth_token)
    folder = Path(item.folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{item.recording_sid}.wav{SEALED_SUFFIX}"
    partial = folder / f"{name}.part"
    audio = bytearray()
    with requests.get(f"{url}.wav", auth=auth, stream=True, timeout=30) as response:
        response.raise_for_status()
        for chunk in response.iter_content(CHUNK):
            audio += chunk
    partial.write_bytes(seal(item.key, bytes(audio)))
    partial.replace(folder / name)
    deleted = requests.delete(f"{url}.json", auth=auth, timeout=15)
    if deleted.status_code not in (204, 404):
        deleted.raise_for_status()
    return name


def finish_keep(session: Session, item: Keeping, outcome: Outcome[str]) -> None:
    name = outcome.unwrap()
    found = find_recording(session, recording_sid=item.recording_sid)
    if found is not None:
        found.stored_file = name
        found.twilio_url = None
        session.add(found)
    log.info("recording %s kept by CCC and deleted from Twilio", found.id if found else "?")


external_job_kind(
    KEEP_RECORDING,
    External(prepare=prepare_keep, perform=perform_keep, finish=finish_keep),
    max_attempts=6,
)
