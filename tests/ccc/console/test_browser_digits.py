"""One digit system per page: an Arabic page writes its numbers and dates in Arabic-Indic
digits (docs/translations.md, "Digits"), in the server's rendering and in what the page's
scripts write later (the SMS counter). What people type or read out stays as typed: ticket
references, phone numbers and the person's own messages are left out of the check."""

from __future__ import annotations

import re
from typing import Any

from tests.ccc.console.browsing import console_user
from tests.ccc.console.conftest import BASE, log_in, needs_chromium, shot
from tests.ccc.console.test_browser import settings  # noqa: F401 (the browser's URL)
from tests.ccc.retention.year import generate
from tests.conftest import Harness
from tests.flows import open_ticket

pytestmark = needs_chromium

WESTERN = re.compile(r"[0-9]+")
EASTERN = re.compile(r"[٠-٩]")
# What stays as typed: references, phone numbers, and what a person wrote.
AS_TYPED = ".ref, .phone, .as-typed, script, style, template"
SHOWN_TEXT = f"""() => {{
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll("{AS_TYPED}").forEach((el) => el.remove());
  copy.querySelectorAll("[hidden]").forEach((el) => el.remove());
  return copy.textContent;
}}"""


def western_digits(page: Any) -> tuple[list[str], bool]:
    """The Western-digit fragments (with their surroundings) outside identifiers, and whether
    the page shows Arabic-Indic digits at all."""
    text = page.evaluate(SHOWN_TEXT)
    found = [
        " ".join(text[max(m.start() - 20, 0) : m.end() + 8].split()) for m in WESTERN.finditer(text)
    ]
    return found, bool(EASTERN.search(text))


def test_arabic_pages_write_every_number_and_date_in_one_digit_system(
    ccc: Harness,
    server: str,
    chromium: Any,
    supervisor: dict[str, str],
) -> None:
    with ccc.session() as session:
        generate(session, year=2024, count=40, recordings_dir=None)
        session.commit()
    reference = open_ticket(ccc, "+9647701234567", "tracing")
    ccc.client.post(f"/api/tickets/{reference}/replies", json={"text": "Done."}, headers=supervisor)
    ccc.say("+9647701234567", "Thank you 2")
    ccc.drain()
    page = log_in(chromium, "sara", console_user(ccc, "sara", "supervisor", ["ccc"], language="ar"))
    mixed: dict[str, list[str]] = {}
    for name, path, ready in [
        ("queue", "/console", "table.queue"),
        ("ticket", f"/console/tickets/{reference}", "#reply-text"),
        ("dashboard", "/console/dashboard", "canvas[data-chart]"),
        ("year", "/console/reports/year?year=2024", "svg.chart"),
    ]:
        page.goto(f"{BASE}{path}")
        page.wait_for_selector(ready)
        if name == "ticket":
            page.fill("#reply-text", "شكراً لكم")  # the counter, written by the page's script
            page.wait_for_function("document.getElementById('segments').dataset.parts === '1'")
        western, eastern = western_digits(page)
        if western or not eastern:
            mixed[path] = western if eastern else [*western, "(no Arabic-Indic digit at all)"]
        shot(page, f"ar-digits-{name}")
    assert not mixed, "\n".join(f"{path}: {found}" for path, found in mixed.items())
    assert not page.errors, page.errors
