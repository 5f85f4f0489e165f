"""The console in a real browser (Debian's chromium driven by Playwright) against a real
uvicorn server: what every browser test of the console shares. `server` and `chromium` are
fixtures of this folder; `console_as` opens the console as a new user, logged in through the
form; the tests import the helpers below (`BASE`, `log_in`, `shot`, `serious_violations`)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.ccc.console.browsing import console_user
from tests.conftest import Harness
from tests.support.browser import ARGS, CHROMIUM, HAVE_CHROMIUM

Window = dict[str, int]
WINDOW: Window = {"width": 1280, "height": 900}
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
needs_chromium = pytest.mark.skipif(
    not HAVE_CHROMIUM and not os.environ.get("CCC_TEST_DATABASE_URL"),
    reason="no chromium here (apt-get install chromium); CI installs it",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


PORT = _free_port()
BASE = f"http://127.0.0.1:{PORT}"


@pytest.fixture
def server(ccc: Harness) -> Iterator[str]:
    config = uvicorn.Config(
        ccc.client.app, host="127.0.0.1", port=PORT, log_level="warning", lifespan="off"
    )
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, name="console-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield BASE
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def chromium() -> Iterator[Any]:
    assert HAVE_CHROMIUM, "chromium is missing: apt-get install chromium"
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def log_in(
    browser: Any, name: str, password: str, *, window: Window = WINDOW, ready: str = "table.queue"
) -> Any:
    """A new browser context logged in through the form; `page.errors` collects the console's
    errors, which each test asserts are none. `ready`: what the landing page shows once up."""
    page = browser.new_context(viewport=window).new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors
    page.goto(f"{BASE}/console")
    page.fill("#username", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_selector(ready)
    return page


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def serious_violations(browser: Any, page: Any) -> list[str]:
    """axe-core's serious and critical findings on the page's current address (checked in a
    context that lets the test inject axe despite the console's CSP, with the same cookies)."""
    context = browser.new_context(bypass_csp=True, viewport=WINDOW)
    context.add_cookies(page.context.cookies())
    checked = context.new_page()
    checked.goto(page.url)
    checked.add_script_tag(path=str(AXE))
    result = checked.evaluate("async () => (await axe.run(document)).violations")
    context.close()
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def console_as(ccc: Harness, server: str, chromium: Any) -> Callable[..., Any]:
    """`console_as(name, role, language=...)`: a new console user of the centre's own team,
    logged in, in the served console (the page, after the login form); `window` and `ready`
    as for `log_in`."""

    def open_as(
        name: str,
        role: str = "agent",
        *,
        language: str | None = None,
        window: Window = WINDOW,
        ready: str = "table.queue",
    ) -> Any:
        password = console_user(ccc, name, role, ["ccc"], language=language)
        return log_in(chromium, name, password, window=window, ready=ready)

    return open_as
