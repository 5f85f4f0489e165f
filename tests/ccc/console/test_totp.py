"""The second factor (issue 16, finding 6): a code logs in once; the secret is CCC's choice,
kept server-side until a code confirms it; the account page shows its QR code beside the key."""

from __future__ import annotations

import re
import time

import pyotp
from sqlmodel import select

from ccc.access.models import User
from tests.ccc.console.browsing import Browser, console_user
from tests.conftest import Harness

CHOSEN = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the well-known example, doubled to 160 bits


def offered(browser: Browser) -> str:
    page = browser.get("/console/account").text
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', page)
    assert found, page
    assert 'name="secret"' not in page  # the secret is not a form field
    assert "<svg" in page and "otpauth" in page  # the QR code, with its title
    return found.group(1)


def stored(ccc: Harness, name: str) -> User:
    with ccc.session() as session:
        return session.exec(select(User).where(User.name == name)).one()


def test_the_same_code_logs_in_once(ccc: Harness) -> None:
    password = console_user(ccc, "alice", "agent", ["ccc"])
    browser = Browser.open(ccc)
    browser.log_in("alice", password)
    totp = pyotp.TOTP(offered(browser))
    browser.post("/console/account/totp", {"code": totp.now()}, csrf_from="/console/account")
    code = totp.at(int(time.time()) + 30)

    first = Browser.open(ccc)
    page = first.post("/console/login", {"username": "alice", "password": password, "code": code})
    assert "Log out" in page.text
    replay = Browser.open(ccc)
    again = replay.post("/console/login", {"username": "alice", "password": password, "code": code})
    assert "Log out" not in again.text
    assert "ccc_session" not in replay.client.cookies


def test_a_secret_sent_in_the_form_is_ignored(ccc: Harness) -> None:
    password = console_user(ccc, "alice", "agent", ["ccc"])
    browser = Browser.open(ccc)
    browser.log_in("alice", password)
    key = offered(browser)
    assert offered(browser) == key  # the same key on every visit until it is confirmed

    chosen = browser.post(
        "/console/account/totp",
        {"secret": CHOSEN, "code": pyotp.TOTP(CHOSEN).now()},
        csrf_from="/console/account",
    )
    assert chosen.status_code == 422
    assert stored(ccc, "alice").totp_secret is None

    browser.post(
        "/console/account/totp",
        {"secret": CHOSEN, "code": pyotp.TOTP(key).now()},
        csrf_from="/console/account",
    )
    user = stored(ccc, "alice")
    assert (user.totp_secret, user.totp_pending) == (key, None)
