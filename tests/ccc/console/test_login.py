"""Logging in and out of the console: passwords, cookies, limits, expiry, CSRF."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from ccc.console import auth
from ccc.kernel.timeutil import utcnow
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness


@pytest.fixture
def alice(ccc: Harness) -> str:
    return console_user(ccc, "alice", "agent", ["ccc"])


def test_without_a_session_the_console_is_the_login_page_with_security_headers(
    ccc: Harness,
) -> None:
    page = Browser.open(ccc).get("/console")
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="password"' in page.text
    assert 'name="csrf"' in page.text
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and " onclick" not in page.text


def test_a_good_password_opens_the_queue_with_a_locked_down_cookie(
    ccc: Harness, alice: str
) -> None:
    browser = Browser.open(ccc)
    csrf = browser.csrf()
    response = browser.client.post(
        "/console/login",
        data={"username": "alice", "password": alice, "csrf": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("ccc_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    queue = browser.get("/console")
    assert "Log out" in queue.text and 'class="queue"' in queue.text


def test_the_cookie_is_not_secure_when_the_public_url_is_plain_http(ccc: Harness) -> None:
    console_user(ccc, "alice", "agent", ["ccc"])
    ccc.runtime.settings.public_url = "http://127.0.0.1:8000"
    browser = Browser.open(ccc)
    browser.client.base_url = "http://testserver"  # type: ignore[assignment]
    response = browser.client.post(
        "/console/login",
        data={"username": "alice", "password": "correct horse battery", "csrf": browser.csrf()},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Secure" not in response.headers["set-cookie"]


def test_a_wrong_password_shows_the_login_page_again_and_opens_no_session(
    ccc: Harness, alice: str
) -> None:
    browser = Browser.open(ccc)
    page = browser.log_in("alice", "not the password")
    assert "Wrong user name or password." in page.text
    assert "ccc_session" not in browser.client.cookies
    assert 'class="queue"' not in browser.get("/console").text


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(ccc: Harness) -> None:
    page = Browser.open(ccc).log_in("nobody", "whatever it is")
    assert "Wrong user name or password." in page.text


def test_logging_in_without_the_form_token_is_refused(ccc: Harness, alice: str) -> None:
    browser = Browser.open(ccc)
    browser.get("/console")
    response = browser.post(
        "/console/login", {"username": "alice", "password": alice}, csrf_from=None
    )
    assert response.status_code == 403
    assert "ccc_session" not in browser.client.cookies


def test_failed_logins_are_limited_per_user_with_a_clear_message(ccc: Harness, alice: str) -> None:
    browser = Browser.open(ccc)
    for _ in range(auth.MAX_FAILURES_PER_USER):
        assert "Wrong user name" in browser.log_in("alice", "guess guess guess").text
    locked = browser.log_in("alice", alice)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.text
    assert "ccc_session" not in browser.client.cookies


def test_failed_logins_are_limited_per_address_across_user_names(ccc: Harness, alice: str) -> None:
    browser = Browser.open(ccc)
    for i in range(auth.MAX_FAILURES_PER_ADDRESS):
        browser.log_in(f"someone-{i}", "guess guess guess")
    assert browser.log_in("alice", alice).status_code == 429


def test_logout_ends_the_session_on_the_server(ccc: Harness, alice: str) -> None:
    browser = Browser.open(ccc)
    browser.log_in("alice", alice)
    old_cookie = browser.client.cookies["ccc_session"]
    after = browser.post("/console/logout", {})
    assert 'name="password"' in after.text
    thief = Browser.open(ccc)
    thief.client.cookies.set("ccc_session", old_cookie, domain="ccc.example.org", path="/console")
    page = thief.get("/console")
    assert 'name="password"' in page.text and "Log out" not in page.text
    assert thief.get("/console/tickets/12345678", follow_redirects=False).status_code == 303


def test_logout_needs_the_csrf_token(ccc: Harness, alice: str) -> None:
    browser = Browser.open(ccc)
    browser.log_in("alice", alice)
    refused = browser.post("/console/logout", {}, csrf_from=None)
    assert refused.status_code == 403
    assert "Log out" in browser.get("/console").text


def test_an_idle_session_expires_after_thirty_minutes(
    ccc: Harness, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = Browser.open(ccc)
    browser.log_in("alice", alice)
    start = utcnow()
    monkeypatch.setattr(auth, "now", lambda: start + timedelta(minutes=29))
    assert "Log out" in browser.get("/console").text
    monkeypatch.setattr(auth, "now", lambda: start + timedelta(minutes=29 + 31))
    assert "Log out" not in browser.get("/console").text


def test_a_busy_session_still_ends_after_twelve_hours(
    ccc: Harness, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = Browser.open(ccc)
    browser.log_in("alice", alice)
    start = utcnow()
    for minutes in range(20, 12 * 60, 20):
        monkeypatch.setattr(auth, "now", lambda m=minutes: start + timedelta(minutes=m))
        assert "Log out" in browser.get("/console").text, minutes
    monkeypatch.setattr(auth, "now", lambda: start + timedelta(hours=12, minutes=5))
    assert "Log out" not in browser.get("/console").text


def test_a_new_password_ends_every_session_of_the_user(ccc: Harness, alice: str) -> None:
    browser = Browser.open(ccc)
    browser.log_in("alice", alice)
    with ccc.session() as session:
        auth.set_password(session, name="alice", password="another long password")
        session.commit()
    assert "Log out" not in browser.get("/console").text
    assert "Log out" in Browser.open(ccc).log_in("alice", "another long password").text


def test_passwords_are_stored_as_argon2id_hashes(ccc: Harness, alice: str) -> None:
    from sqlmodel import select

    from ccc.access.models import User

    with ccc.session() as session:
        user = session.exec(select(User).where(User.name == "alice")).one()
    assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    assert alice not in user.password_hash


def test_a_second_factor_set_up_on_the_account_page_is_asked_at_login(
    ccc: Harness, alice: str
) -> None:
    import re

    import pyotp

    browser = Browser.open(ccc)
    browser.log_in("alice", alice)
    account = browser.get("/console/account").text
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', account)
    assert secret and "<svg" in account  # the key written out, and its QR code
    totp = pyotp.TOTP(secret.group(1))
    wrong = browser.post(
        "/console/account/totp",
        {"code": "000000" if totp.now() != "000000" else "111111"},
        csrf_from="/console/account",
    )
    assert wrong.status_code == 422 and "That code is not right" in wrong.text
    on = browser.post("/console/account/totp", {"code": totp.now()}, csrf_from="/console/account")
    assert "On: logging in asks for a code" in on.text

    without = Browser.open(ccc)
    assert "Wrong user name or password." in without.log_in("alice", alice).text
    assert "ccc_session" not in without.client.cookies
    with_code = Browser.open(ccc)
    # The code that turned the factor on is spent: the next step's code logs in.
    following = totp.at(int(time.time()) + 30)
    page = with_code.post(
        "/console/login", {"username": "alice", "password": alice, "code": following}
    )
    assert "Log out" in page.text


def test_a_setting_makes_supervisors_set_up_a_second_factor_first(ccc: Harness) -> None:
    import re

    import pyotp

    ccc.runtime.settings.console_require_totp = True
    browser = Browser.open(ccc)
    page = browser.log_in("sam", console_user(ccc, "sam", "supervisor"))
    assert str(page.url).endswith("/console/account") and "Second factor" in page.text
    assert str(browser.get("/console/dashboard").url).endswith("/console/account")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret
    browser.post(
        "/console/account/totp",
        {"code": pyotp.TOTP(secret.group(1)).now()},
        csrf_from="/console/account",
    )
    assert browser.get("/console/dashboard").status_code == 200
    agent = Browser.open(ccc)
    assert 'class="queue"' in agent.log_in("alice", console_user(ccc, "alice", "agent")).text
