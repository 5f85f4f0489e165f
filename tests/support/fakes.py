"""Local stand-ins for Twilio's and Telegram's APIs: real HTTP servers on 127.0.0.1.

The real clients (twilio's `Client`, python-telegram-bot's `Bot`) talk to them over a socket,
so what is tested is what the libraries really send and how CCC reads real answers. Each server
records every request, and answers from a script of replies first, then with a success in the
service's own response format.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))

    @property
    def endpoint(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[Recorded], Reply]


class FakeApi:
    def __init__(self, default: Responder) -> None:
        self.default = default
        self.requests: list[Recorded] = []
        self.script: list[Reply] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval, so that stopping the server does not hold up each test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def then(self, *replies: Reply | None) -> None:
        """The next requests get these replies, in order (None: the default answer);
        afterwards, the default again."""
        with self._lock:
            self.script.extend(replies)

    def calls(self, endpoint: str) -> list[Recorded]:
        return [r for r in self.requests if r.endpoint == endpoint]

    def _answer(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            scripted = self.script.pop(0) if self.script else None
        return scripted if scripted is not None else self.default(recorded)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                length = int(self.headers.get("content-length") or 0)
                recorded = Recorded(
                    method="POST",
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length),
                )
                reply = api._answer(recorded)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = (
                    reply.body.encode()
                    if isinstance(reply.body, str)
                    else json.dumps(reply.body).encode()
                )
                self.send_response(reply.status)
                headers = {"Content-Type": _type(reply), **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _type(reply: Reply) -> str:
    return "text/html" if isinstance(reply.body, str) else "application/json"


# --- Twilio ---------------------------------------------------------------------------------

_sids = itertools.count(1)


def twilio_message(recorded: Recorded) -> Reply:
    """201 with a Message resource, as `POST /2010-04-01/Accounts/AC…/Messages.json` answers."""
    form = recorded.form
    account = recorded.path.split("/")[3]
    sid = f"SM{next(_sids):032x}"
    return Reply(
        201,
        {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": "Mon, 30 Nov 2026 10:00:00 +0000",
            "date_sent": None,
            "date_updated": "Mon, 30 Nov 2026 10:00:00 +0000",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"
            },
            "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        },
    )


def twilio_error(status: int, code: int, message: str, **headers: str) -> Reply:
    return Reply(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        headers=dict(headers),
    )


TWILIO_RATE_LIMITED = twilio_error(429, 20429, "Too Many Requests", **{"Retry-After": "45"})
TWILIO_UNAVAILABLE = Reply(503, "<html><body>Service Unavailable</body></html>")
TWILIO_UNSUBSCRIBED = twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
TWILIO_INVALID_NUMBER = twilio_error(
    400, 21211, "The 'To' number +96400 is not a valid phone number."
)


# --- Telegram -------------------------------------------------------------------------------

_message_ids = itertools.count(100)


def telegram_ok(recorded: Recorded) -> Reply:
    """What the Bot API answers: `sendMessage` gives the sent Message, others `true`."""
    if recorded.endpoint != "sendMessage":
        return Reply(200, {"ok": True, "result": True})
    form = recorded.form
    chat_id = int(form["chat_id"])
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "from": {"id": 7012345678, "is_bot": True, "first_name": "CCC", "username": "ccc_bot"},
        "chat": {"id": chat_id, "first_name": "Layla", "type": "private"},
        "date": 1796032800,
        "text": form.get("text", ""),
    }
    if "reply_markup" in form:
        message["reply_markup"] = json.loads(form["reply_markup"])
    return Reply(200, {"ok": True, "result": message})


def telegram_error(status: int, description: str, **parameters: Any) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(status, body)


TELEGRAM_FLOOD = telegram_error(429, "Too Many Requests: retry after 37", retry_after=37)
TELEGRAM_BAD_GATEWAY = Reply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>")
TELEGRAM_BLOCKED = telegram_error(403, "Forbidden: bot was blocked by the user")
TELEGRAM_CHAT_NOT_FOUND = telegram_error(400, "Bad Request: chat not found")
