"""Errors that carry their HTTP status, so services can refuse without knowing about HTTP."""

from __future__ import annotations


class CCCError(Exception):
    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(CCCError):
    status_code = 400


class Forbidden(CCCError):
    status_code = 403


class NotFound(CCCError):
    status_code = 404


class Conflict(CCCError):
    status_code = 409


class Invalid(CCCError):
    status_code = 422


class TooManyRequests(CCCError):
    """429, with the seconds to wait, which the API sends as `Retry-After`."""

    status_code = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
