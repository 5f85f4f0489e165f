"""Encryption at rest for what CCC keeps (call recordings on disk, their transcripts in the
database): Fernet (AES-128-CBC with HMAC-SHA256, `cryptography`), under a key ring so the key
can rotate.

`CCC_RECORDINGS_KEY` holds one or more Fernet keys, comma-separated: the first encrypts, every
one decrypts. To rotate: put a new key first, keep the old ones after it, run
`ccc recordings rotate-key` (every kept file and transcript sealed again under the new key:
`ccc/calls/rotation.py`), then drop the old ones. A new key:
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SEALED_SUFFIX = ".fernet"


@lru_cache(maxsize=4)
def key_ring(keys: str) -> MultiFernet:
    """The ring of `CCC_RECORDINGS_KEY`; ValueError names what is wrong, never the key."""
    parts = [part.strip() for part in keys.split(",") if part.strip()]
    if not parts:
        raise ValueError("CCC_RECORDINGS_KEY is empty")
    ring = []
    for position, part in enumerate(parts, start=1):
        try:
            ring.append(Fernet(part.encode()))
        except (ValueError, TypeError):
            raise ValueError(
                f"CCC_RECORDINGS_KEY: key {position} is not a Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from None
    return MultiFernet(ring)


def seal(keys: str, data: bytes) -> bytes:
    return key_ring(keys).encrypt(data)


def unseal(keys: str, data: bytes) -> bytes:
    """The plain bytes; ValueError when no key of the ring opens them."""
    try:
        return key_ring(keys).decrypt(data)
    except InvalidToken:
        raise ValueError("no key of CCC_RECORDINGS_KEY opens this file") from None


# A transcript in the database: this prefix, then a Fernet token (url-safe base64 text), so a
# sealed value is told from a plain one without trying keys on it.
SEALED_TEXT = "fernet:"


def seal_text(keys: str, text: str) -> str:
    """Words kept in a text column (a voice message's transcript), sealed like the audio."""
    return SEALED_TEXT + seal(keys, text.encode("utf-8")).decode("ascii")


def open_text(keys: str | None, stored: str) -> str:
    """The words of `seal_text`. ValueError without a key or when no key of the ring opens
    them; a value without the prefix (kept before sealing) is returned as it is."""
    if not stored.startswith(SEALED_TEXT):
        return stored
    if not keys:
        raise ValueError("CCC_RECORDINGS_KEY is needed to read sealed transcripts")
    return unseal(keys, stored[len(SEALED_TEXT) :].encode("ascii")).decode("utf-8")


def reseal_text(keys: str, stored: str) -> str:
    """Sealed again under the ring's first key (plain words are sealed for the first time)."""
    return seal_text(keys, open_text(keys, stored))


def reseal(keys: str, data: bytes) -> bytes:
    """A sealed file's bytes under the ring's first key."""
    try:
        return key_ring(keys).rotate(data)
    except InvalidToken:
        raise ValueError("no key of CCC_RECORDINGS_KEY opens this file") from None
