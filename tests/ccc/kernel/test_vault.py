"""Recordings at rest: a Fernet key ring that rotates, and no recordings folder without a key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from ccc.kernel.vault import seal, unseal
from tests.conftest import RECORDINGS_KEY, make_settings


def test_the_first_key_encrypts_and_every_key_of_the_ring_decrypts() -> None:
    old = Fernet.generate_key().decode()
    new = Fernet.generate_key().decode()
    sealed_before = seal(old, b"RIFF voice")
    rotated = f"{new},{old}"
    assert unseal(rotated, sealed_before) == b"RIFF voice"
    sealed_after = seal(rotated, b"RIFF voice")
    assert unseal(new, sealed_after) == b"RIFF voice"
    with pytest.raises(ValueError, match="no key of CCC_RECORDINGS_KEY opens this file"):
        unseal(old, sealed_after)


def test_a_recordings_folder_without_a_key_or_with_a_bad_key_stops_the_start(
    tmp_path: object,
) -> None:
    with pytest.raises(ValidationError, match="CCC_VOICE_RECORDINGS_DIR needs CCC_RECORDINGS_KEY"):
        make_settings("sqlite://", voice_recordings_dir="/srv/recordings")
    with pytest.raises(ValidationError, match="key 2 is not a Fernet key") as refused:
        make_settings(
            "sqlite://",
            voice_recordings_dir="/srv/recordings",
            recordings_key=f"{RECORDINGS_KEY},not-a-key",
        )
    assert RECORDINGS_KEY not in str(refused.value)
    kept = make_settings(
        "sqlite://", voice_recordings_dir="/srv/recordings", recordings_key=RECORDINGS_KEY
    )
    assert RECORDINGS_KEY not in repr(kept)
