"""What every webhook does before it trusts a body: check its type, read it, refuse loudly.

Size is limited before this point, for every route, by `ccc.api.limits.BodyLimit` (413).
Refusals are logged by path and reason only: a body may hold a person's number or words.
"""

from __future__ import annotations

import hmac
import logging
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request

from ccc.kernel.addresses import request_address
from ccc.kernel.errors import BadRequest, CCCError, Forbidden

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_FORM_FIELDS = 200


class UnsupportedMediaType(CCCError):
    status_code = 415


def require_content_type(request: Request, expected: str) -> None:
    """The media type, ignoring parameters such as `charset`, must be the one we parse."""
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if given != expected:
        raise UnsupportedMediaType(
            f"this webhook takes {expected}, not {given or 'a body without a content type'}"
        )


def refuse(request: Request, reason: str) -> Forbidden:
    """A 403 for a request we cannot trust, with one log line that names no one."""
    client = request_address(request)
    log.warning("refused webhook %s from %s: %s", request.url.path, client, reason)
    return Forbidden(f"webhook refused: {reason}")


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """An urlencoded body as (name, value) pairs in order, repeated names kept."""
    try:
        text = body.decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"the form body could not be read: {type(exc).__name__}") from exc


def without_nul(value: Any) -> Any:
    """The same data with NUL characters removed from every string: PostgreSQL cannot store
    them, and a webhook that fails is redelivered again and again."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    return value


def require_unicode_text(value: Any) -> None:
    """400 for a string holding a lone surrogate (JSON can write "\\ud800"): it is no Unicode
    text, no database can store it, and refusing before anything is stored beats a 500 that
    the sender redelivers again and again."""
    if isinstance(value, str):
        if any("\ud800" <= char <= "\udfff" for char in value):
            raise BadRequest("the body holds a lone surrogate (\\ud800-\\udfff): not valid text")
    elif isinstance(value, list):
        for item in value:
            require_unicode_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            require_unicode_text(key)
            require_unicode_text(item)


def secret_token_valid(*, expected: str | None, received: str | None) -> bool:
    """A shared secret echoed in a header (Telegram's), compared in constant time; unset on
    our side means nothing passes."""
    if not expected or received is None:
        return False
    return hmac.compare_digest(expected.encode(), received.encode())
