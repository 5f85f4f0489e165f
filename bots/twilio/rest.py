"""Twilio's REST client as CCC uses it: a base URL that tests can move, and errors translated
into `SendError`s that say whether to retry, when, and whether the person is still reachable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ccc.channels.port import SendError

TIMEOUT_SECONDS = 15.0
_TWILIO_HOST = re.compile(r"^https://[a-z0-9.-]+\.twilio\.com", re.IGNORECASE)
# The library logs every request at INFO; CCC logs its own, shorter line per send.
_quiet = logging.getLogger("ccc.twilio.http")
_quiet.setLevel(logging.WARNING)

RATE_LIMITED = 20429
UNSUBSCRIBED = 21610
INVALID_NUMBER = 21211
NOT_A_MOBILE = 21614
OUTSIDE_WINDOW = 63016

_UNREACHABLE: dict[int, str] = {
    UNSUBSCRIBED: "the person has unsubscribed from this number (replied STOP)",
    INVALID_NUMBER: "the number is not a valid phone number",
    NOT_A_MOBILE: "the number cannot receive messages (not a mobile number)",
}


class RoutedHttpClient(TwilioHttpClient):  # type: ignore[misc]
    """Sends what the library addresses to `https://*.twilio.com` to `base` instead, and keeps
    the last response's headers, since `TwilioRestException` drops `Retry-After`."""

    def __init__(self, base: str | None, timeout: float) -> None:
        super().__init__(timeout=timeout, logger=_quiet)
        self.base = base.rstrip("/") if base else None
        self.last_headers: Mapping[str, str] = {}

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self.base:
            url = _TWILIO_HOST.sub(self.base, url)
        self.last_headers = {}
        response = super().request(method, url, *args, **kwargs)
        self.last_headers = requests.structures.CaseInsensitiveDict(response.headers or {})
        return response


def make_client(
    account_sid: str, auth_token: str, base: str | None
) -> tuple[Any, RoutedHttpClient]:
    http = RoutedHttpClient(base, TIMEOUT_SECONDS)
    return Client(account_sid, auth_token, http_client=http), http


def send_error(exc: Exception, headers: Mapping[str, str]) -> SendError:
    """What a failed API call means for the send job."""
    if isinstance(exc, requests.exceptions.RequestException):
        return SendError(f"could not reach Twilio: {type(exc).__name__}", code="network")
    if not isinstance(exc, TwilioRestException | TwilioServiceException):
        raise TypeError(f"not a Twilio error: {exc!r}")
    status = int(exc.status or 0)
    code = int(exc.code) if str(exc.code or "").isdigit() else None
    text = _describe(exc)
    label = str(code or status)
    if status == 429 or code == RATE_LIMITED:
        return SendError(
            f"Twilio rate limit: {text}",
            code=label,
            retry_after=_retry_after(headers),
            rate_limited=True,
        )
    if status >= 500 or status == 0:
        return SendError(f"Twilio server error: {text}", code=label)
    if code == OUTSIDE_WINDOW:
        return SendError(
            "WhatsApp refused free text: the person last wrote more than 24 hours ago, "
            "so only an approved template can be sent",
            code="outside_window",
            permanent=True,
        )
    if code in _UNREACHABLE:
        return SendError(_UNREACHABLE[code], code=label, permanent=True, unreachable=True)
    return SendError(text, code=label, permanent=True)


def _describe(exc: TwilioRestException | TwilioServiceException) -> str:
    if isinstance(exc, TwilioServiceException):
        return str(exc.detail or exc.title)
    message = str(exc.msg or "")
    # The library prefixes "Unable to create record: "; the rest is Twilio's own sentence.
    return message.split(": ", 1)[-1] if ": " in message else message or f"HTTP {exc.status}"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After") if headers else None
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
