"""Console logins and the ends of sessions are in the audit log: who (the name tried), when,
from which address, whether it worked and why not; logouts, expiries and revocations with
their reason. `GET /api/audit?action=login` and `?action=logout` list them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pyotp
import pytest
from sqlmodel import select

from ccc.access.auth import deactivate_user
from ccc.access.models import User
from ccc.console import auth
from ccc.kernel.timeutil import utcnow
from tests.ccc.access.test_tokens_and_commands import add_agent, api, cli  # noqa: F401
from tests.ccc.console.browsing import Browser, console_user
from tests.ccc.test_cli import Cli, last_line
from tests.conftest import Harness


def entries(ccc: Harness, headers: dict[str, str], action: str) -> list[dict[str, Any]]:
    response = ccc.client.get("/api/audit", params={"action": action}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return list(reversed(items))  # oldest first


@pytest.fixture
def alice(ccc: Harness) -> str:
    return console_user(ccc, "alice", "agent", ["ccc"])


def test_a_good_login_is_recorded_with_the_name_and_address(
    ccc: Harness, alice: str, supervisor: dict[str, str]
) -> None:
    assert "Log out" in Browser.open(ccc).log_in("alice", alice).text
    [login] = entries(ccc, supervisor, "login")
    assert (login["user"], login["address"]) == ("alice", "testclient")
    assert login["data"] == {"username": "alice", "outcome": "success"}


def test_every_failed_login_is_recorded_with_its_reason(
    ccc: Harness, alice: str, supervisor: dict[str, str]
) -> None:
    browser = Browser.open(ccc)
    browser.log_in("alice", "not her password")
    browser.log_in("nobody", "whatever it is")
    browser.post("/console/login", {"username": "alice", "password": alice}, csrf_from=None)
    with ccc.session() as session:
        user = session.exec(select(User).where(User.name == "alice")).one()
        user.totp_secret = pyotp.random_base32()
        session.add(user)
        session.commit()
    browser.post("/console/login", {"username": "alice", "password": alice, "code": "12345x"})
    failures = [
        (e["user"], e["data"]["username"], e["data"]["outcome"], e["data"]["reason"])
        for e in entries(ccc, supervisor, "login")
    ]
    assert failures == [
        ("alice", "alice", "failure", "wrong_password"),
        ("nobody", "nobody", "failure", "unknown_user"),
        ("alice", "alice", "failure", "expired_form"),
        ("alice", "alice", "failure", "wrong_code"),
    ]


def test_locked_and_deactivated_logins_are_recorded(
    ccc: Harness, alice: str, supervisor: dict[str, str]
) -> None:
    browser = Browser.open(ccc)
    for _ in range(auth.MAX_FAILURES_PER_USER):
        browser.log_in("alice", "guess guess guess")
    assert browser.log_in("alice", alice).status_code == 429
    assert entries(ccc, supervisor, "login")[-1]["data"]["reason"] == "locked"

    password = console_user(ccc, "bob", "agent", ["ccc"])
    with ccc.session() as session:
        deactivate_user(session, user=session.exec(select(User).where(User.name == "bob")).one())
        session.commit()
    assert "Wrong user name" in Browser.open(ccc).log_in("bob", password).text
    last = entries(ccc, supervisor, "login")[-1]
    assert (last["user"], last["data"]["reason"]) == ("bob", "deactivated")


def test_logout_and_expiry_are_recorded_with_their_reason(
    ccc: Harness, alice: str, supervisor: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    browser = Browser.open(ccc)
    browser.log_in("alice", alice)
    browser.post("/console/logout", {})
    idle = Browser.open(ccc)
    idle.log_in("alice", alice)
    busy = Browser.open(ccc)
    busy.log_in("alice", alice)
    start = utcnow()
    for minutes in range(20, 12 * 60, 20):
        monkeypatch.setattr(auth, "now", lambda m=minutes: start + timedelta(minutes=m))
        assert "Log out" in busy.get("/console").text
        if minutes == 60:
            assert "Log out" not in idle.get("/console").text
    monkeypatch.setattr(auth, "now", lambda: start + timedelta(hours=12, minutes=5))
    assert "Log out" not in busy.get("/console").text
    assert "Log out" not in idle.get("/console").text  # an ended session is recorded once

    ends = [
        (e["user"], e["data"]["reason"], e["address"]) for e in entries(ccc, supervisor, "logout")
    ]
    assert ends == [
        ("alice", "logout", "testclient"),
        ("alice", "idle", "testclient"),
        ("alice", "lifetime", "testclient"),
    ]


def test_a_new_password_is_recorded_with_the_sessions_it_ended(
    ccc: Harness, alice: str, supervisor: dict[str, str]
) -> None:
    browser = Browser.open(ccc)
    browser.log_in("alice", alice)
    browser.post(
        "/console/account/password",
        {"current": alice, "new": "a brand new password", "confirm": "a brand new password"},
        csrf_from="/console/account",
    )
    set_up, changed = entries(ccc, supervisor, "password_changed")  # console_user, then hers
    assert set_up["data"] == {"user": "alice"} and set_up["address"] is None
    assert (changed["user"], changed["data"], changed["address"]) == (
        "alice",
        {"user": "alice"},
        "testclient",
    )
    [ended] = entries(ccc, supervisor, "logout")
    assert (ended["user"], ended["data"]["reason"]) == ("alice", "password_changed")


def test_the_commands_that_end_access_are_recorded_with_the_sessions_they_ended(
    cli: Cli,  # noqa: F811  (the fixture)
) -> None:
    add_agent(cli, "Alice")
    with cli.session() as session:
        auth.set_password(session, name="Alice", password="correct horse battery")
        session.commit()
    added = cli("user", "add", "Sam", "--role", "supervisor")
    assert added.returncode == 0, added.stderr
    sam = {"Authorization": f"Bearer {last_line(added.stdout)}"}
    with api(cli) as client:
        browser = Browser(client)
        client.base_url = "https://ccc.example.org"  # type: ignore[assignment]
        assert "Log out" in browser.log_in("Alice", "correct horse battery").text
    assert cli("user", "token", "Alice").returncode == 0
    assert cli("user", "revoke", "Alice").returncode == 0
    assert cli("user", "deactivate", "Alice").returncode == 0

    with api(cli) as client:
        log = client.get("/api/audit", params={"limit": 200}, headers=sam).json()["items"]
    actions = [(e["action"], e["data"].get("user"), e["data"].get("reason")) for e in log[::-1]]
    assert actions == [
        ("token_issued", "Alice", None),  # ccc user add
        ("password_changed", "Alice", None),  # set above, as herself
        ("token_issued", "Sam", None),
        ("login", None, None),
        ("token_issued", "Alice", None),  # ccc user token
        ("logout", "Alice", "revoked"),
        ("token_revoked", "Alice", None),
        ("user_deactivated", "Alice", None),
    ]
    by_command = [e for e in log if e["action"] not in ("login", "password_changed")]
    assert all(e["user"].startswith("cli:") for e in by_command)
