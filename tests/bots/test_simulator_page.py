"""The simulator page in a real headless Chromium, as a translator or a demo audience uses it:
readable Arabic with each line in its own direction, references in order, labels on pressed
buttons, a list for long menus, and a page that stays put while the reader scrolls.

Skipped only where Chromium is absent and CCC_TEST_DATABASE_URL is unset (a developer's laptop);
CI sets that variable, so a missing browser there fails the run instead of hiding it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ccc.tickets import references
from tests.conftest import Harness
from tests.support.browser import ARGS, CHROMIUM, HAVE_CHROMIUM

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = "+9647701234567"

if not HAVE_CHROMIUM and not os.environ.get("CCC_TEST_DATABASE_URL"):
    pytest.skip("needs Debian's chromium (apt-get install -y chromium)", allow_module_level=True)

from playwright.sync_api import Page, sync_playwright  # noqa: E402


@pytest.fixture
def page(live_server: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 420, "height": 760})
        tab = context.new_page()
        missing: list[str] = []
        tab.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        tab.goto(f"{live_server}/simulator")
        yield tab
        assert missing == [], f"not found: {missing}"
        browser.close()


def bubbles(page: Page) -> list[str]:
    texts: list[str] = page.locator(".bubble").evaluate_all(
        "items => items.map(b => [...b.querySelectorAll('.line')].map(l => l.textContent)"
        ".join('\\n'))"
    )
    return texts


def type_and_send(page: Page, text: str) -> None:
    count = page.locator(".bubble").count()
    page.fill("#text", text)
    page.press("#text", "Enter")
    page.wait_for_function(f"document.querySelectorAll('.bubble').length > {count + 1}")


def press(page: Page, label: str) -> None:
    count = page.locator(".bubble").count()
    page.locator(".bubble:last-child .buttons button", has_text=label).first.click()
    page.wait_for_function(f"document.querySelectorAll('.bubble').length > {count + 1}")


def reference_reads_in_order(page: Page, reference: str) -> bool:
    """Where the browser lays out the reply, the first four digits stand left of the last."""
    lefts: list[float] = page.evaluate(
        """reference => {
          const lines = [...document.querySelectorAll('.bubble.out .line')];
          const line = lines.reverse().find(l => l.textContent.includes(reference.slice(0, 4)));
          const node = line.firstChild, at = node.data.indexOf(reference.slice(0, 4));
          const rect = (start, end) => {
            const range = document.createRange();
            range.setStart(node, start); range.setEnd(node, end);
            return range.getBoundingClientRect().left;
          };
          return [rect(at, at + 4), rect(at + 5, at + 9)];
        }""",
        reference,
    )
    return lefts[0] < lefts[1]


def direction(page: Page, text: str) -> Any:
    line = page.locator(".line", has_text=text).first
    line.wait_for(state="visible")
    # The page's own stylesheet gives each line its direction: wait until it has applied.
    page.wait_for_function("() => document.styleSheets.length > 0")
    return line.evaluate("e => getComputedStyle(e).direction")


def test_an_arabic_conversation_reads_right_in_the_browser(page: Page, ccc: Harness) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.fill("#from", PHONE)
    type_and_send(page, "hello")
    assert direction(page, "Welcome") == "ltr"
    assert direction(page, "أهلاً بكم") == "rtl"

    before = page.locator(".bubble").count()
    page.press("#text", "Enter")  # an empty box sends nothing
    page.wait_for_timeout(500)
    assert page.locator(".bubble").count() == before
    assert not [m for m in ccc.transcript(PHONE) if m["direction"] == "in" and not m["text"]]

    press(page, "العربية")
    assert bubbles(page)[-2] == "العربية"  # the label pressed, not its number
    press(page, "مساعدة أو الانضمام لبرنامج")
    press(page, "أكمل")
    type_and_send(page, "ليلى حسن")
    press(page, "مساعدة نقدية")
    type_and_send(page, "٥ أشخاص")
    governorates = page.locator(".bubble:last-child select.choices")
    assert governorates.locator("option").count() == 20  # a list, not a wall of 19 buttons
    # Asked by name, the list shows no numbers and sends the name (a bare `1` is no answer).
    assert governorates.locator("option").nth(1).inner_text() == "بغداد"
    count = page.locator(".bubble").count()
    governorates.select_option("بغداد")
    page.wait_for_function(f"document.querySelectorAll('.bubble').length > {count + 1}")
    assert bubbles(page)[-2] == "بغداد"
    press(page, "نعم")
    (reference,) = references.find_valid(bubbles(page)[-1])
    assert reference_reads_in_order(page, reference)

    form = page.locator("form#send")
    assert form.evaluate("e => getComputedStyle(e).backgroundColor") not in (
        "rgba(0, 0, 0, 0)",
        "transparent",
    )
    page.screenshot(path=str(ARTIFACTS / "simulator-ar.png"), full_page=True)

    page.evaluate("window.scrollTo(0, 0)")
    ccc.say(PHONE, "menu")  # a new reply arrives while the reader is up the page
    page.wait_for_selector("#newer", state="visible", timeout=8000)
    assert page.evaluate("window.scrollY") == 0
    page.click("#newer")
    page.wait_for_function("window.scrollY > 0")


def test_an_english_conversation_shows_labels_and_a_status(page: Page, ccc: Harness) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    phone = "+9647709876543"
    page.fill("#from", phone)
    type_and_send(page, "hello")
    press(page, "English")
    assert bubbles(page)[-2] == "English"
    press(page, "Speak to a person")
    press(page, "Yes, contact me")
    (reference,) = references.find_valid(bubbles(page)[-1])
    type_and_send(page, reference)
    assert bubbles(page)[-1].startswith(f"Request {reference[:4]} {reference[4:]}")
    assert reference_reads_in_order(page, reference)
    page.screenshot(path=str(ARTIFACTS / "simulator-en.png"), full_page=True)
