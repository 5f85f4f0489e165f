"""Verifying Twilio webhooks: the `X-Twilio-Signature` header.

Pure functions, so they can be tested on their own and reasoned about in one screen. The
comparisons are constant-time: a forger must not learn, by timing our answers, how many
leading characters of a guessed signature were right.

Twilio signs the URL it was told to call, not the one our server sees: behind a proxy that
rewrites the host or the scheme, the URL is rebuilt from `CCC_PUBLIC_URL` and the request's own
path and query string.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Iterator, Sequence
from urllib.parse import urlparse

from twilio.request_validator import RequestValidator, add_port, remove_port


def signed_url(public_url: str, path: str, query: str = "") -> str:
    """The URL Twilio signed: the public base URL, the path, and the raw query string if any."""
    base = public_url.rstrip("/")
    return f"{base}{path}?{query}" if query else f"{base}{path}"


class _Params:
    """Form parameters as `RequestValidator` reads them: `getall` keeps repeated names."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in pairs:
            self._values.setdefault(name, []).append(value)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def getall(self, name: str) -> list[str]:
        return self._values[name]


def twilio_signature(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    """The signature Twilio computes for a POST of `params` to `url` (HMAC-SHA1, base64)."""
    signature: str = RequestValidator(auth_token).compute_signature(url, _Params(params))
    return signature


def twilio_signature_valid(
    *,
    auth_token: str | None,
    url: str,
    params: Sequence[tuple[str, str]],
    signature: str | None,
) -> bool:
    """True only for a signature made with this auth token over this URL and these params.

    Twilio is not consistent about including the default port in the URL it signs, so, like
    the library's own validator, both forms are accepted. The URL as `CCC_PUBLIC_URL` writes it
    is tried first, the form Twilio signs when it calls that URL: a genuine webhook then costs
    one HMAC, not two. Stopping at a match tells a timing observer only which form matched,
    which is no secret; each comparison itself is constant-time.
    """
    if not auth_token or not signature:
        return False
    parsed = urlparse(url)
    candidates = [
        url,
        *(other for other in (remove_port(parsed), add_port(parsed)) if other != url),
    ]
    given = signature.strip().encode()
    return any(
        hmac.compare_digest(twilio_signature(auth_token, candidate, params).encode(), given)
        for candidate in candidates
    )
