"""A console's events stream read as a browser's EventSource would, in a thread of its own."""

from __future__ import annotations

import json
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from ccc.console.deps import COOKIE
from tests.ccc.console.browsing import Browser


@dataclass
class Listener:
    """Collects the events of one `GET /console/events` until closed."""

    url: str
    cookie: str
    events: queue.Queue[tuple[str, dict[str, Any]]] = field(default_factory=queue.Queue)
    status: int | None = None
    content_type: str | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    @classmethod
    def start(cls, base: str, browser: Browser) -> Listener:
        cookie = browser.client.cookies.get(COOKIE)
        assert cookie, "the browser is not logged in"
        listener = cls(f"{base}/console/events", cookie)
        listener._thread = threading.Thread(target=listener._run, daemon=True)
        listener._thread.start()
        listener.expect("ready")
        return listener

    def _run(self) -> None:
        headers = {"Cookie": f"{COOKIE}={self.cookie}", "Accept": "text/event-stream"}
        with httpx.Client(timeout=httpx.Timeout(5.0, read=None)) as client:
            with client.stream("GET", self.url, headers=headers) as response:
                self.status = response.status_code
                self.content_type = response.headers.get("content-type")
                name, data = "message", ""
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("event:"):
                        name = line.split(":", 1)[1].strip()
                    elif line.startswith("data:"):
                        data = line.split(":", 1)[1].strip()
                    elif line == "" and data:
                        self.events.put((name, json.loads(data)))
                        name, data = "message", ""

    def expect(self, name: str, within: float = 20.0, **match: Any) -> dict[str, Any]:
        """The next event called `name` whose data has `match`; fails after `within` s."""
        deadline = time.monotonic() + within
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"no {name} event with {match}"
            try:
                got, data = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if got == name and all(data.get(k) == v for k, v in match.items()):
                return data

    def next_ticket_event(self, within: float = 20.0) -> dict[str, Any]:
        return self.expect("ticket", within)

    def close(self) -> None:
        self._stop.set()
