"""Saved replies in the console: supervisors keep them; the reply box offers them in the
ticket's language, with the reference filled in, and names the channel the reply takes."""

from __future__ import annotations

import html

from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"
ARABIC = "1"
FORM = {
    "name": "Received",
    "ar": "استلمنا طلبكم {reference}.",
    "ckb": "داواکارییەکەتمان {reference} وەرگرت.",
    "kmr": "مە داخوازیا تە {reference} وەرگرت.",
    "en": "We received your request {reference}.",
}


def logged_in(ccc: Harness, name: str, role: str, language: str | None = None) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in(name, console_user(ccc, name, role, ["ccc"], language=language))
    return browser


def test_a_supervisor_adds_and_deletes_a_saved_reply(ccc: Harness) -> None:
    sara = logged_in(ccc, "sara", "supervisor")
    added = sara.post("/console/saved-replies", FORM, csrf_from="/console/saved-replies")
    assert added.status_code == 200
    assert "Saved reply added" in added.text and "استلمنا طلبكم" in added.text
    listed = ccc.client.get("/api/saved-replies", headers=ccc.user("sam", "supervisor")).json()
    assert [r["name"] for r in listed] == ["Received"]

    forged = sara.post(f"/console/saved-replies/{listed[0]['id']}/delete", {}, csrf_from=None)
    assert forged.status_code == 403
    gone = sara.post(f"/console/saved-replies/{listed[0]['id']}/delete", {})
    assert "Saved reply deleted" in gone.text
    assert "No saved replies yet." in gone.text


def test_a_missing_language_is_refused_and_what_was_typed_stays(ccc: Harness) -> None:
    sara = logged_in(ccc, "sara", "supervisor", language="ar")
    refused = sara.post("/console/saved-replies", FORM | {"kmr": " "})
    assert refused.status_code == 422
    assert "يلزم نص بكل لغة" in refused.text and "kmr" in refused.text
    assert "استلمنا طلبكم" in refused.text  # kept in the form, nothing stored
    assert "لا توجد ردود محفوظة بعد." in refused.text


def test_agents_may_not_open_or_change_the_saved_replies(ccc: Harness) -> None:
    sara = logged_in(ccc, "sara", "supervisor")
    sara.post("/console/saved-replies", FORM, csrf_from="/console/saved-replies")
    alice = logged_in(ccc, "alice", "agent")
    assert alice.get("/console/saved-replies").status_code == 403
    assert alice.post("/console/saved-replies", FORM | {"name": "Other"}).status_code == 403
    assert alice.post("/console/saved-replies/1/delete", {}).status_code == 403
    names = [
        r["name"]
        for r in ccc.client.get("/api/saved-replies", headers=ccc.user("x", "agent")).json()
    ]
    assert names == ["Received"]


def test_the_reply_box_offers_the_reply_in_the_tickets_language(ccc: Harness) -> None:
    sara = logged_in(ccc, "sara", "supervisor")
    sara.post("/console/saved-replies", FORM, csrf_from="/console/saved-replies")
    reference = open_ticket(ccc, PHONE, "tracing", language=ARABIC)
    alice = logged_in(ccc, "alice", "agent")
    ticket = html.unescape(alice.get(f"/console/tickets/{reference}").text)
    assert f'data-text="استلمنا طلبكم {reference}."' in ticket
    assert "We received your request" not in ticket
    assert "goes by simulator" in ticket  # the simulator's tickets answer on the simulator
