"""The error answers of the API, described once for `/openapi.json`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """Every refusal: a sentence, or for 422 the list of fields that are wrong."""

    detail: str | list[dict[str, Any]]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


# What any route may answer before its own code runs: a body or URL that cannot be read
# (`ccc/api/limits.py`, `bots/webhooks.py`), too large, or of the wrong type.
TRANSPORT_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("a body or URL that cannot be read: not JSON, or a NUL character"),
    413: _error("a body larger than this route takes"),
    415: _error("a body of a type this route does not take"),
    422: _error("a field, filter or cursor that is not valid"),
}

API_ERRORS: dict[int | str, dict[str, Any]] = {
    **TRANSPORT_ERRORS,
    401: _error("no token, or an unknown, revoked or expired one"),
    403: _error("the caller's role or team may not do this"),
    404: _error("no such ticket or referral, or one the caller may not see"),
    409: _error("not in this state: an illegal status change, no consent, already referred"),
}

# The health check: 503 names what is down (the database, Redis).
HEALTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: TRANSPORT_ERRORS[400],
    503: {"description": "the database or Redis is down: the body says which"},
}

# The webhooks: Twilio's and Telegram's requests are refused with 403 when their signature or
# secret is wrong or the channel is not configured.
WEBHOOK_ERRORS: dict[int | str, dict[str, Any]] = {
    **TRANSPORT_ERRORS,
    403: _error("a missing or wrong signature or secret, or the channel is not configured"),
    404: _error("no such call or prompt"),
}

# The simulator: no login (it is off wherever outbound is live), so no 401 or 403.
SIMULATOR_ERRORS: dict[int | str, dict[str, Any]] = {
    **TRANSPORT_ERRORS,
    404: _error("no such simulated call"),
}
