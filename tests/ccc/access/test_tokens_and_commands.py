"""Token hygiene and the commands that keep access safe, run as an administrator runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from ccc.access.models import ApiToken, Team, TeamMembership, User
from ccc.api.app import create_app
from ccc.kernel.runtime import set_runtime
from ccc.kernel.settings import Settings
from tests.ccc.test_cli import CCC, TOKEN, Cli, last_line

TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "a-real-looking-auth-token",
    "TWILIO_SMS_FROM": "+15005550006",
}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    assert CCC.exists()
    command = Cli(tmp_path)
    for name in set(os.environ) - set(command.env):
        monkeypatch.delenv(name)  # the API below reads the same environment as the command
    return command


@contextmanager
def api(cli: Cli, **settings: object) -> Iterator[TestClient]:
    app = create_app(
        Settings(database_url=cli.database_url, simulator=False, redis_url=None, **settings)
    )
    try:
        with TestClient(app) as client:
            yield client
    finally:
        set_runtime(None)
        app.state.runtime.engine.dispose()


def opens(client: TestClient, token: str) -> int:
    return client.get("/api/tickets", headers={"Authorization": f"Bearer {token}"}).status_code


def add_agent(cli: Cli, name: str = "Alice") -> str:
    assert cli("team", "add", "ccc", "--name", "Agents").returncode == 0
    added = cli("user", "add", name, "--role", "agent", "--team", "ccc")
    assert added.returncode == 0, added.stderr
    return last_line(added.stdout)


def test_revoke_ends_every_token_and_a_new_one_can_be_issued(cli: Cli) -> None:
    first = add_agent(cli)
    second = cli("user", "token", "Alice")
    assert second.returncode == 0, second.stderr
    second_token = last_line(second.stdout)
    assert TOKEN.match(second_token) and second_token != first

    revoked = cli("user", "revoke", "Alice")
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked 2 token(s)" in revoked.stdout
    third = last_line(cli("user", "token", "Alice").stdout)
    with api(cli) as client:
        assert (opens(client, first), opens(client, second_token)) == (401, 401)
        assert opens(client, third) == 200


def test_a_deactivated_user_is_shut_out_and_gets_no_new_token(cli: Cli) -> None:
    token = add_agent(cli)
    assert cli("user", "deactivate", "Alice").returncode == 0
    refused = cli("user", "token", "Alice")
    assert refused.returncode == 1 and "deactivated" in refused.stderr
    with api(cli) as client:
        assert opens(client, token) == 401
    unknown = cli("user", "revoke", "Nobody")
    assert unknown.returncode == 1 and "unknown user 'Nobody'" in unknown.stderr


def test_tokens_expire_after_token_days_and_record_their_last_use(cli: Cli) -> None:
    token = add_agent(cli)
    with cli.session() as session:
        assert session.exec(select(ApiToken)).one().last_used_at is None
    with api(cli) as client:
        assert opens(client, token) == 200
    with cli.session() as session:
        assert session.exec(select(ApiToken)).one().last_used_at is not None
    time.sleep(1.0)
    with api(cli, token_days=1 / 86400) as client:  # one second
        assert opens(client, token) == 401


def test_revoking_and_issuing_tokens_is_in_the_audit_log(cli: Cli) -> None:
    add_agent(cli)
    assert cli("user", "add", "Sam", "--role", "supervisor").returncode == 0
    supervisor = last_line(cli("user", "token", "Sam").stdout)
    assert cli("user", "revoke", "Alice").returncode == 0
    with api(cli) as client:
        response = client.get(
            "/api/audit",
            params={"action": "token_revoked"},
            headers={"Authorization": f"Bearer {supervisor}"},
        )
    assert response.status_code == 200, response.text
    [entry] = response.json()["items"]
    assert entry["data"]["user"] == "Alice" and entry["user"].startswith("cli:")


def test_demo_has_an_accountability_login_and_says_what_each_login_sees(cli: Cli) -> None:
    shown = cli("demo")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    said = lines[lines.index("what each login may see:") + 1 :]
    for name in ("demo-agent", "demo-tracing", "demo-supervisor", "demo-admin"):
        assert any(line.strip().startswith(f"{name}: ") for line in said), name
    [accountability] = [line for line in said if "demo-accountability:" in line]
    assert "every restricted ticket" in accountability
    with cli.session() as session:
        user = session.exec(select(User).where(User.name == "demo-accountability")).one()
        team = session.exec(
            select(Team).join(TeamMembership).where(TeamMembership.user_id == user.id)
        ).one()
        assert (user.role, team.slug) == ("team_member", "accountability")


def test_demo_refuses_a_database_that_is_not_sqlite_without_force(cli: Cli) -> None:
    cli.env["CCC_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:1/production"
    refused = cli("demo")
    assert refused.returncode == 1
    assert "not SQLite" in refused.stderr and "--force" in refused.stderr
    assert not (cli.folder / ".ccc-demo-tokens.json").exists()


@pytest.mark.parametrize(
    "environment",
    [
        {"CCC_SIMULATOR": "on", **TWILIO},
        {"CCC_SIMULATOR": "on", "CCC_OUTBOUND": "live"},
        {"CCC_SIMULATOR": "on", "TELEGRAM_BOT_TOKEN": "123:abc"},
    ],
)
def test_serve_refuses_the_simulator_where_outbound_is_live(
    cli: Cli, environment: dict[str, str]
) -> None:
    cli.env.update(environment)
    refused = cli("serve", "--port", "1")
    assert refused.returncode == 1
    assert "CCC_SIMULATOR=on while outbound is live" in refused.stderr
    assert not (cli.folder / "ccc.kernel.db").exists()  # refused before touching the database


def test_serve_starts_with_the_simulator_in_record_mode_and_warns(cli: Cli) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cli.env.update({"CCC_SIMULATOR": "on", "CCC_OUTBOUND": "record", **TWILIO})
    server = subprocess.Popen(  # noqa: S603  (our own console script)
        [str(CCC), "serve", "--port", str(port)],
        env=cli.env,
        cwd=cli.folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(100):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=20)
    assert "the simulator is on" in stderr
