"""Encryption at rest for what CCC keeps on disk (call recordings): Fernet (AES-128-CBC with
HMAC-SHA256, `cryptography`), under a key ring so the key can rotate.

`CCC_RECORDINGS_KEY` holds one or more Fernet keys, comma-separated: the first encrypts, every
one decrypts. To rotate: put a new key first, keep the old ones after it until every file has
been rewritten or removed by retention. A new key: `python -c "from cryptography.fernet import
Fernet; print(Fernet.generate_key().decode())"`.
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
