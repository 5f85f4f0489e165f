"""The queue, the ticket page and the team view: what each user sees and may do."""

from __future__ import annotations

import re

import pytest

from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness
from tests.flows import ENGLISH, TRACING, open_ticket, reference_in

PHONE = "+9647701234567"


@pytest.fixture
def agent(ccc: Harness) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in("alice", console_user(ccc, "alice", "agent", ["ccc"]))
    return browser


def member(ccc: Harness, name: str, team: str, language: str | None = None) -> Browser:
    browser = Browser.open(ccc)
    browser.log_in(name, console_user(ccc, name, "team_member", [team], language=language))
    return browser


def test_the_queue_lists_a_ticket_the_simulator_just_created(ccc: Harness, agent: Browser) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    queue = agent.get("/console")
    assert f'<bdi dir="ltr" class="ref">{reference}</bdi>' in queue.text
    rows = agent.get("/console/queue/rows")
    assert reference in rows.text and rows.text.lstrip().startswith("<tbody")
    assert reference in agent.get("/console", params={"q": reference}).text
    assert reference not in agent.get("/console", params={"category": "detention"}).text
    assert reference in agent.get("/console", params={"view": "unassigned"}).text
    assert reference not in agent.get("/console", params={"view": "mine"}).text


def test_a_bad_filter_is_shown_as_a_message_not_an_error(agent: Browser) -> None:
    page = agent.get("/console", params={"category": "nonsense"})
    assert page.status_code == 200
    assert "unknown category" in page.text


def test_the_ticket_page_shows_answers_timeline_and_whole_number_to_an_agent(
    ccc: Harness, agent: Browser
) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    page = agent.get(f"/console/tickets/{reference}")
    assert page.status_code == 200
    assert "Omar Hassan" in page.text  # an intake answer
    assert "Ticket created" in page.text
    assert PHONE in page.text
    assert '<textarea id="reply-text" name="text"' in page.text


def test_a_reply_reaches_the_person_and_appears_in_the_timeline(
    ccc: Harness, agent: Browser
) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    page = agent.post(
        f"/console/tickets/{reference}/reply",
        {"text": "We are looking into it."},
        csrf_from=f"/console/tickets/{reference}",
    )
    ccc.drain()
    assert page.status_code == 200
    assert "We are looking into it." in page.text
    assert ccc.last_reply(PHONE) == "We are looking into it."
    timeline = agent.get(f"/console/tickets/{reference}/timeline").text
    assert "We are looking into it." in timeline and 'data-status="sent"' in timeline


def test_without_the_csrf_token_nothing_changes(ccc: Harness, agent: Browser) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    before = ccc.transcript(PHONE)
    refused = agent.post(f"/console/tickets/{reference}/reply", {"text": "forged"}, csrf_from=None)
    assert refused.status_code == 403
    wrong = agent.client.post(
        f"/console/tickets/{reference}/note", data={"text": "forged", "csrf": "not-the-token"}
    )
    assert wrong.status_code == 403
    header = agent.client.post(
        f"/console/tickets/{reference}/change",
        data={"priority": "urgent"},
        headers={"X-CSRF-Token": "nope"},
    )
    assert header.status_code == 403
    ccc.drain()
    assert ccc.transcript(PHONE) == before
    page = agent.get(f"/console/tickets/{reference}").text
    assert "forged" not in page and "urgent</dd>" not in page


def test_htmx_requests_carry_the_token_in_a_header(ccc: Harness, agent: Browser) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    token = agent.csrf(f"/console/tickets/{reference}")
    response = agent.client.post(
        f"/console/tickets/{reference}/change",
        data={"priority": "urgent"},
        headers={"X-CSRF-Token": token, "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert re.search(r"Priority</dt><dd>urgent</dd>", response.text)


def test_an_illegal_change_is_explained_and_changes_nothing(ccc: Harness, agent: Browser) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    page = agent.post(
        f"/console/tickets/{reference}/change",
        {"status": "closed", "priority": "high"},
        csrf_from=f"/console/tickets/{reference}",
    )
    assert page.status_code == 409
    assert "cannot become closed" in page.text
    assert "Priority</dt><dd>high" not in agent.get(f"/console/tickets/{reference}").text


def test_claiming_assigns_the_ticket_to_me(ccc: Harness, agent: Browser) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    agent.post(
        f"/console/tickets/{reference}/change",
        {"assign": "me"},
        csrf_from=f"/console/tickets/{reference}",
    )
    assert reference in agent.get("/console", params={"view": "mine"}).text


def test_another_teams_ticket_is_a_404_exactly_like_a_missing_one(
    ccc: Harness, agent: Browser
) -> None:
    reference = open_ticket(ccc, PHONE, "detention")
    outsider = member(ccc, "tina", "tracing")
    hidden = outsider.get(f"/console/tickets/{reference}")
    missing = outsider.get("/console/tickets/00000000")
    assert hidden.status_code == missing.status_code == 404
    # the same page, but for the address itself (in the language switch's way back)
    assert hidden.text.replace(reference, "00000000") == missing.text
    assert reference not in outsider.get("/console").text
    refused = outsider.post(f"/console/tickets/{reference}/note", {"text": "hello"})
    assert refused.status_code == 404


def test_refer_accept_complete_tells_the_person(ccc: Harness, agent: Browser) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    page = agent.post(
        f"/console/tickets/{reference}/refer",
        {"team": "tracing", "note": "Please open a tracing request."},
        csrf_from=f"/console/tickets/{reference}",
    )
    assert page.status_code == 200 and "Referred" in page.text

    team = member(ccc, "tina", "tracing")
    view = team.get("/console/team")
    assert reference in view.text
    referral_id = re.search(r"/console/referrals/(\d+)/accept", view.text)
    assert referral_id
    rid = referral_id.group(1)
    team.post(f"/console/referrals/{rid}/accept", {}, csrf_from="/console/team")
    done = team.post(
        f"/console/referrals/{rid}/complete",
        {"outcome": "Tracing request opened.", "next": "ticket"},
        csrf_from="/console/team",
    )
    ccc.drain()
    assert "Referral completed" in done.text
    assert "resolved" in done.text
    assert reference_in(ccc.last_reply(PHONE)) == reference  # the closing message
    assert "+964 770 *** **67" in done.text and PHONE not in done.text  # masked for teams


def test_referring_without_consent_needs_a_supervisor_and_a_reason(
    ccc: Harness, agent: Browser
) -> None:
    ccc.say(PHONE, "hello")
    ccc.say(PHONE, ENGLISH)
    for answer in [*TRACING[:-1], "2"]:  # the person does not agree to share their data
        ccc.say(PHONE, answer)
    reference = reference_in(ccc.last_reply(PHONE))
    page = agent.get(f"/console/tickets/{reference}")
    assert "has not agreed to share" in page.text
    assert 'action="/console/tickets/' + reference + '/refer"' not in page.text

    sam = Browser.open(ccc)
    sam.log_in("sam", console_user(ccc, "sam", "supervisor"))
    page = sam.get(f"/console/tickets/{reference}")
    assert 'name="override_reason"' in page.text
    refused = sam.post(
        f"/console/tickets/{reference}/refer",
        {"team": "tracing"},
        csrf_from=f"/console/tickets/{reference}",
    )
    assert refused.status_code == 409 and "override_reason" in refused.text
    done = sam.post(
        f"/console/tickets/{reference}/refer",
        {"team": "tracing", "override_reason": "Life at risk; family asked by phone."},
        csrf_from=f"/console/tickets/{reference}",
    )
    assert done.status_code == 200
    assert "Consent overridden" in done.text and "Life at risk" in done.text


def test_arabic_user_gets_right_to_left_pages_in_arabic(ccc: Harness) -> None:
    browser = Browser.open(ccc)
    browser.log_in("amal", console_user(ccc, "amal", "agent", ["ccc"], language="ar"))
    page = browser.get("/console")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert "قائمة الانتظار" in page.text and "تسجيل الخروج" in page.text


def test_the_language_switch_changes_the_pages(ccc: Harness, agent: Browser) -> None:
    page = agent.post("/console/language", {"language": "ckb", "next": "/console/account"})
    assert '<html lang="ckb" dir="rtl">' in page.text
    page = agent.post("/console/language", {"language": "en", "next": "https://evil.example"})
    assert '<html lang="en" dir="ltr">' in page.text and 'class="queue"' in page.text


def test_two_users_on_one_ticket_see_each_other(ccc: Harness, agent: Browser) -> None:
    reference = open_ticket(ccc, PHONE, "tracing")
    assert "Also open by" not in agent.get(f"/console/tickets/{reference}").text
    bob = Browser.open(ccc)
    bob.log_in("bob", console_user(ccc, "bob", "agent", ["ccc"]))
    assert (
        "Also open by alice: they may be replying." in bob.get(f"/console/tickets/{reference}").text
    )
    timeline = agent.get(f"/console/tickets/{reference}/timeline").text  # alice's page polls
    assert "Also open by bob" in timeline


def test_an_arabic_ticket_page_names_teams_in_arabic_and_isolates_names_and_dates(
    ccc: Harness,
) -> None:
    """An English actor name beside an Arabic date must not reorder the line, and a team is
    named in the reader's language, in the header and in the referral dialog, where no team is
    chosen for the agent: a click must not send a case to the wrong team."""
    reference = open_ticket(ccc, PHONE, "tracing")
    browser = Browser.open(ccc)
    browser.log_in("amal", console_user(ccc, "amal", "agent", ["ccc"], language="ar"))
    page = browser.get(f"/console/tickets/{reference}").text
    assert "<bdi>التوجيه التلقائي</bdi>" in page or "<bdi>الشخص</bdi>" in page
    assert re.search(r"<bdi><time datetime=", page)
    header = page.split("</header>")[1]
    assert "البحث عن المفقودين" in header and ">tracing<" not in header
    dialog = re.search(r'<select id="refer-team" name="team" required>(.*?)</select>', page, re.S)
    assert dialog, page
    first = re.search(r"<option[^>]*>", dialog[1])
    assert first and 'value=""' in first[0] and "selected" in first[0]
    assert ">accountability<" not in dialog[1] and ">المساءلة<" in dialog[1]


def test_a_ticket_whose_person_was_never_asked_says_so_not_that_they_refused(
    ccc: Harness, agent: Browser
) -> None:
    """A callback (or a voice message) never asks for consent: "not asked" is not "refused"."""
    ccc.say(PHONE, "hello")
    ccc.say(PHONE, ENGLISH)
    ccc.say(PHONE, "0")
    ccc.say(PHONE, "1")
    reference = reference_in(ccc.last_reply(PHONE))
    page = agent.get(f"/console/tickets/{reference}")
    assert "was not asked whether their data may be shared" in page.text
    assert "has not agreed to share" not in page.text
