"""The error answers of the API, described once for `/openapi.json`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorOut(BaseModel):
    """Every refusal: a sentence, or for 422 the list of fields that are wrong."""

    detail: str | list[dict[str, Any]]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": description}


API_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("no token, or an unknown, revoked or expired one"),
    403: _error("the caller's role or team may not do this"),
    404: _error("no such ticket or referral, or one the caller may not see"),
    409: _error("not in this state: an illegal status change, no consent, already referred"),
    422: _error("a field, filter or cursor that is not valid"),
}
