"""Refusing bodies that are too large before they are read into memory."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 64 * 1024
# A recorded IVR prompt is uploaded from the console: the one body allowed to be larger (its
# own check, in ccc/calls/prompts.py, then refuses what is not a short WAV or MP3).
UPLOADS = {"/console/prompts/": 6 * 1024 * 1024}


def limit_for(path: str, default: int) -> int:
    for prefix, limit in UPLOADS.items():
        if path.startswith(prefix):
            return limit
    return default


class _TooLarge(Exception):
    pass


class _HasNul(Exception):
    pass


def _refusing_nul(receive: Receive) -> Receive:
    """JSON writes NUL as the escape `\\u0000`; a raw NUL byte is refused too."""
    tail = b""

    async def checked() -> Message:
        nonlocal tail
        message = await receive()
        if message["type"] == "http.request":
            chunk = tail + message.get("body", b"")
            if b"\\u0000" in chunk or b"\x00" in chunk:
                raise _HasNul
            tail = chunk[-5:]
        return message

    return checked


class BodyLimit:
    """413 for bodies over 64 KiB (a prompt recording: `UPLOADS`), and 400 for NUL characters
    in a URL or in an API body: PostgreSQL cannot store NUL, and no person types one."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
            await _send_json(send, 400, "NUL characters are not allowed in a URL")
            return
        max_body = limit_for(scope.get("path", ""), self.max_body)
        declared = _content_length(scope)
        if declared is not None and declared > max_body:
            await _refuse(send, max_body)
            return
        if scope.get("path", "").startswith("/api/"):
            receive = _refusing_nul(receive)
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_body:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _refuse(send, max_body)
        except _HasNul:
            if not started:
                await _send_json(send, 400, "NUL characters are not allowed in the body")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, limit: int) -> None:
    await _send_json(send, 413, f"request body larger than {limit // 1024} KiB")


async def _send_json(send: Send, status: int, detail: str) -> None:
    body: Any = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
