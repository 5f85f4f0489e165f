"""What the console says after an action: a flash that it was done, shown once, and the
reason it was not, in the reader's language (never the services' English)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from ccc.console import i18n
from ccc.console.feedback import explain
from ccc.kernel.errors import Conflict, Forbidden, Invalid
from ccc.tickets.models import Ticket
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import open_ticket

PHONE = "+9647701234567"
FLASH = re.compile(r'<p class="flash" role="status">([^<]*)</p>')
ERROR = re.compile(r'<p class="error" role="alert">([^<]*)</p>')
LATIN = re.compile(r"[A-Za-z]{2,}")


def agent(ccc: Harness, name: str = "alice", language: str | None = None) -> Browser:
    browser = Browser.open(ccc)
    password = console_user(ccc, name, "agent", ["ccc"], language=language)
    browser.log_in(name, password)
    return browser


@pytest.mark.parametrize(
    ("action", "form", "flash"),
    [
        ("reply", {"text": "We are on it."}, "Reply sent"),
        ("note", {"text": "Called the family."}, "Note added"),
        ("change", {"priority": "high"}, "Changes saved"),
        ("refer", {"team": "tracing", "note": "Please trace."}, "Referred"),
    ],
)
def test_each_action_on_a_ticket_is_confirmed_once(
    ccc: Harness, action: str, form: dict[str, str], flash: str
) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    alice = agent(ccc)
    page = f"/console/tickets/{reference}"
    after = alice.post(f"{page}/{action}", form, csrf_from=page)
    assert after.status_code == 200 and after.url.path == page
    assert FLASH.findall(after.text) == [flash]
    assert FLASH.findall(alice.get(page).text) == []  # once


def test_a_flash_waits_for_the_page_not_for_a_poll(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    alice = agent(ccc)
    page = f"/console/tickets/{reference}"
    alice.client.post(
        f"{page}/note",
        data={"text": "Called.", "csrf": alice.csrf(page)},
        follow_redirects=False,
    )
    poll = alice.get(f"{page}/timeline", headers={"HX-Request": "true"})
    assert FLASH.findall(poll.text) == []
    assert FLASH.findall(alice.get(page).text) == ["Note added"]


def test_the_flash_is_in_the_readers_language(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    amal = agent(ccc, "amal", language="ar")
    page = f"/console/tickets/{reference}"
    after = amal.post(f"{page}/note", {"text": "اتصلنا بالعائلة"}, csrf_from=page)
    assert FLASH.findall(after.text) == ["أُضيفت الملاحظة"]


def set_no_consent(ccc: Harness, reference: str) -> None:
    with ccc.session() as session:
        ticket = session.exec(select(Ticket).where(Ticket.reference == reference)).one()
        ticket.answers = {**ticket.answers, "consent_to_share": "no"}
        session.add(ticket)
        session.commit()


def refusals(
    ccc: Harness, browser: Browser, reference: str, bad_category: str = "٣٣"
) -> dict[str, str]:
    """The pages that come back from refused actions, one per kind of error (a bad filter
    value is echoed back: the test's own is no English word)."""
    page = f"/console/tickets/{reference}"
    pages = {
        "conflict": browser.post(f"{page}/change", {"status": "closed"}, csrf_from=page),
        "invalid": browser.post(f"{page}/note", {"text": "   "}, csrf_from=page),
        "filter": browser.get("/console", params={"category": bad_category}),
    }
    set_no_consent(ccc, reference)
    pages["consent"] = browser.post(f"{page}/refer", {"team": "tracing"}, csrf_from=page)
    browser.post(f"{page}/change", {"sensitivity": "sensitive"}, csrf_from=page)
    pages["forbidden"] = browser.post(f"{page}/change", {"sensitivity": "normal"}, csrf_from=page)
    statuses = {name: response.status_code for name, response in pages.items()}
    assert statuses == {
        "conflict": 409,
        "invalid": 422,
        "filter": 200,
        "forbidden": 403,
        "consent": 409,
    }
    found = {name: ERROR.findall(response.text) for name, response in pages.items()}
    assert all(len(errors) == 1 for errors in found.values()), found
    return {name: errors[0] for name, errors in found.items()}


@pytest.mark.parametrize("language", ["ar", "ckb", "kmr"])
def test_no_english_error_text_reaches_a_page_in(ccc: Harness, language: str) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    errors = refusals(ccc, agent(ccc, f"agent_{language}", language=language), reference)
    english = {name: LATIN.findall(text) for name, text in errors.items()}
    assert english == dict.fromkeys(errors, []), errors
    _ = i18n.gettext_for(language)
    assert errors["conflict"].endswith(
        _("A ticket that is %(old)s cannot become %(new)s.", old=_("new"), new=_("closed"))
    )
    assert errors["consent"].endswith(
        _(
            "The person has not agreed to share their data; a supervisor may refer it with a "
            "recorded reason."
        )
    )


def test_english_readers_get_the_services_own_words(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    errors = refusals(ccc, agent(ccc), reference, bad_category="nonsense")
    assert "a new ticket cannot become closed" in errors["conflict"]
    assert "unknown category &#39;nonsense&#39;" in errors["filter"]


def test_an_error_nobody_listed_still_reads_as_its_kind() -> None:
    assert (
        explain(Conflict("some new rule said no"), "ar") == "هذا غير ممكن في حالة التذكرة الحالية."
    )
    assert explain(Forbidden("no"), "ckb") == i18n.gettext_for("ckb")("You may not do this.")
    assert explain(Invalid("bad"), "en") == "bad"


def test_a_programme_teams_answer_is_confirmed(ccc: Harness) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    alice = agent(ccc)
    page = f"/console/tickets/{reference}"
    alice.post(f"{page}/refer", {"team": "tracing", "note": "Please trace."}, csrf_from=page)
    tina = Browser.open(ccc)
    tina.log_in("tina", console_user(ccc, "tina", "team_member", ["tracing"]))
    team = tina.get("/console/team").text
    accept = re.search(r'action="(/console/referrals/\d+/accept)"', team)
    assert accept, team
    after = tina.post(accept.group(1), {}, csrf_from="/console/team")
    assert after.url.path == "/console/team"
    assert FLASH.findall(after.text) == ["Referral accepted"]
