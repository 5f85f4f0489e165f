"""Every answer a ticket may carry is labelled in the reader's language: the walk of 2026-12-06
found a phone callback's `safe_to_call` and `may_leave_message` shown as raw keys on the Arabic
and English ticket pages."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ccc.console import i18n
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import reference_in

ROOT = Path(__file__).resolve().parents[3]
FLOWS = ROOT / "workflows" / "data" / "flows"
# What the phone line's callback and the chatbot's hand-off write beside the flow's answers
# (ccc/calls/service.py: request_callback); the page leaves out the call's own bookkeeping.
CALLBACK_KEYS = {"safe_to_call", "may_leave_message", "automatic"}


def saved_keys() -> set[str]:
    keys: set[str] = set()
    for path in FLOWS.glob("*.yaml"):
        flow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for step in (flow.get("steps") or {}).values():
            if isinstance(step, dict) and isinstance(step.get("save"), str):
                keys.add(step["save"])
    return keys


def test_the_flows_answers_are_found() -> None:
    assert {"enquirer_name", "relationship", "governorate"} <= saved_keys()


@pytest.mark.parametrize("language", ["en", "ar", "ckb", "kmr"])
def test_every_answer_key_has_a_label(language: str) -> None:
    catalogue = i18n.catalogue(language)
    keys = saved_keys() | CALLBACK_KEYS
    assert not sorted(k for k in keys if not catalogue.get(k) or catalogue[k] == k)


def test_a_callback_asked_for_by_text_says_it_has_no_answers(ccc: Harness) -> None:
    """The walk found an empty Answers card on a text callback (its only answer, `request`,
    is not shown)."""
    phone = "+9647701234599"
    for text in ("hello", "4", "0", "1"):
        ccc.say(phone, text)
    reference = reference_in(ccc.last_reply(phone))
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    page = browser.get(f"/console/tickets/{reference}").text
    assert "No answers recorded." in page
    assert "<dl></dl>" not in page
