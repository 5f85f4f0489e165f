"""Transcripts are sealed at rest like the recordings: the database never holds the words,
readers allowed to see them get them opened in memory, the key rotates, and revision
0013_data3 seals what was kept before (and opens it again on downgrade)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from cryptography.fernet import Fernet
from pydantic import ValidationError
from sqlalchemy import text

from ccc.calls.rotation import rotate
from ccc.kernel.migrate import alembic_config
from ccc.kernel.vault import SEALED_TEXT, key_ring, open_text, seal
from tests.bots.twilio.test_voice_transcripts import (  # noqa: F401 (the fixture)
    RECORDING,
    TRANSCRIPTION,
    WORDS,
    read_transcript,
    transcribed,
    transcribing,
    voice_message,
)
from tests.conftest import RECORDINGS_KEY, Harness, make_settings
from tests.support.people import post_twilio


def stored(ccc: Harness) -> list[str]:
    """The transcript column as the database holds it, read past the models."""
    with ccc.engine.connect() as connection:
        rows = connection.execute(text("SELECT transcript FROM recording")).all()
    return [row[0] for row in rows if row[0] is not None]


def test_the_database_never_holds_the_words(transcribing: Harness) -> None:  # noqa: F811
    ccc = transcribing
    agent = ccc.user("alice", "agent", ["ccc"])
    voice_message(ccc)
    assert post_twilio(ccc.client, TRANSCRIPTION, transcribed()).status_code == 200
    [kept] = stored(ccc)
    assert kept.startswith(SEALED_TEXT)
    for word in ("Layla", "Omar", "Mosul", WORDS):
        assert word not in kept
    assert read_transcript(ccc, agent)["text"] == WORDS


def test_transcribing_without_a_key_is_a_start_up_error(database_url: str) -> None:
    with pytest.raises(ValidationError, match="CCC_VOICE_TRANSCRIBE=on needs CCC_RECORDINGS_KEY"):
        make_settings(database_url, voice_transcribe=True, recordings_key=None)


def test_rotating_the_key_reseals_transcripts_and_kept_files(
    transcribing: Harness,  # noqa: F811
    tmp_path: Path,
) -> None:
    ccc = transcribing
    voice_message(ccc)
    post_twilio(ccc.client, TRANSCRIPTION, transcribed())
    folder = tmp_path / "kept"
    folder.mkdir()
    (folder / "RE1.wav.fernet").write_bytes(seal(RECORDINGS_KEY, b"RIFF voice"))
    new = Fernet.generate_key().decode()
    ring = f"{new},{RECORDINGS_KEY}"
    settings = make_settings(
        ccc.runtime.settings.database_url, recordings_key=ring, voice_recordings_dir=str(folder)
    )
    done = rotate(ccc.engine, settings)
    assert (done.files, done.transcripts) == (1, 1)
    # the old key can leave the ring: the new one alone opens everything
    [kept] = stored(ccc)
    assert open_text(new, kept) == WORDS
    with pytest.raises(ValueError, match="no key"):
        open_text(RECORDINGS_KEY, kept)
    assert key_ring(new).decrypt((folder / "RE1.wav.fernet").read_bytes()) == b"RIFF voice"
    assert list(folder.iterdir()) == [folder / "RE1.wav.fernet"]


def test_the_revision_seals_what_was_kept_and_opens_it_on_downgrade(
    transcribing: Harness,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ccc = transcribing
    voice_message(ccc)
    post_twilio(ccc.client, TRANSCRIPTION, transcribed())
    config = alembic_config(ccc.runtime.settings.database_url)
    monkeypatch.setenv("CCC_RECORDINGS_KEY", RECORDINGS_KEY)
    try:
        command.downgrade(config, "0011_console")
        assert stored(ccc) == [WORDS]
        monkeypatch.delenv("CCC_RECORDINGS_KEY")
        with pytest.raises(RuntimeError, match="CCC_RECORDINGS_KEY is needed to seal the 1"):
            command.upgrade(config, "head")
        monkeypatch.setenv("CCC_RECORDINGS_KEY", RECORDINGS_KEY)
    finally:
        command.upgrade(config, "head")
    [kept] = stored(ccc)
    assert kept.startswith(SEALED_TEXT) and "Omar" not in kept
    assert open_text(RECORDINGS_KEY, kept) == WORDS


def test_a_persons_export_gives_their_words_not_a_token(transcribing: Harness) -> None:  # noqa: F811
    from ccc.privacy import service
    from tests.ccc.reports.test_year import ADMIN
    from tests.support.voice import PHONE

    ccc = transcribing
    voice_message(ccc)
    post_twilio(ccc.client, TRANSCRIPTION, transcribed())
    with ccc.session() as session:
        people = service.find_person(session, address=PHONE, region="IQ")
        held = service.export(session, contacts=people, caller=ADMIN, keys=RECORDINGS_KEY)
    [recording] = held["people"][0]["tickets"][0]["recordings"]
    assert recording["transcript"] == WORDS
