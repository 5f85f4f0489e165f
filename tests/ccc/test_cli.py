"""The `ccc` console script, run as a person runs it: a process, its exit code and its output.

Each test has its own SQLite file, even when CCC_TEST_DATABASE_URL is set: these tests check
the command line, not the database.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from ccc.access.auth import caller_for_token
from ccc.access.models import Role, Team, User
from ccc.api.app import create_app
from ccc.demo import TEAMS, USERS
from ccc.kernel.db import make_engine
from ccc.kernel.runtime import set_runtime
from ccc.kernel.settings import Settings
from workflows.files.library import PACKAGE_DIR

CCC = Path(sys.executable).parent / "ccc"
TOKEN = re.compile(r"^ccc_[A-Za-z0-9_-]{40,}$")


class Cli:
    """The `ccc` command with an environment of its own and a fresh SQLite database."""

    def __init__(self, folder: Path) -> None:
        self.database_url = f"sqlite:///{folder / 'ccc.db'}"
        self.env = {
            name: value
            for name, value in os.environ.items()
            if not name.upper().startswith(("CCC_", "TWILIO_", "TELEGRAM_"))
        }
        self.env["CCC_DATABASE_URL"] = self.database_url
        self.folder = folder

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (our own console script, fixed arguments)
            [str(CCC), *args],
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        engine = make_engine(self.database_url)
        try:
            with Session(engine) as session:
                yield session
        finally:
            engine.dispose()


@pytest.fixture
def ccc(tmp_path: Path) -> Cli:
    assert CCC.exists(), f"the console script is not installed at {CCC}"
    return Cli(tmp_path)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_help_lists_every_documented_command(ccc: Cli) -> None:
    shown = ccc("--help")
    assert shown.returncode == 0
    for command in ("serve", "migrate", "worker", "user", "team", "workflows", "demo"):
        assert re.search(rf"^\s+{command}\b", shown.stdout, re.MULTILINE), command


def test_migrate_creates_every_table(ccc: Cli) -> None:
    migrated = ccc("migrate")
    assert migrated.returncode == 0, migrated.stderr
    with ccc.session() as session:
        tables = set(inspect(session.get_bind()).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert {"ticket", "team", "user", "message", "outbox_job"} <= tables


def test_a_team_is_created_once_and_a_duplicate_is_refused_clearly(ccc: Cli) -> None:
    created = ccc("team", "add", "shelter", "--name", "Shelter programme")
    assert created.returncode == 0, created.stderr
    assert "shelter" in created.stdout

    again = ccc("team", "add", "shelter", "--name", "Shelter again")
    assert again.returncode == 1
    assert "ccc: team 'shelter' already exists" in again.stderr
    with ccc.session() as session:
        teams = session.exec(select(Team).where(Team.slug == "shelter")).all()
    assert [t.name for t in teams] == ["Shelter programme"]


def test_a_new_users_token_is_the_last_line_and_opens_the_api(
    ccc: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ccc("team", "add", "ccc", "--name", "Agents").returncode == 0
    added = ccc("user", "add", "Alice", "--role", "agent", "--team", "ccc")
    assert added.returncode == 0, added.stderr
    token = last_line(added.stdout)
    assert TOKEN.match(token)

    for name in set(os.environ) - set(ccc.env):
        monkeypatch.delenv(name)  # the API below reads the same environment as the command
    app = create_app(Settings(database_url=ccc.database_url, simulator=False, redis_url=None))
    try:
        client = TestClient(app)
        allowed = client.get("/api/tickets", headers={"Authorization": f"Bearer {token}"})
        refused = client.get("/api/tickets", headers={"Authorization": "Bearer ccc_not-a-token"})
    finally:
        set_runtime(None)
        app.state.runtime.engine.dispose()
    assert allowed.status_code == 200, allowed.text
    assert allowed.json() == {"items": [], "next": None}
    assert refused.status_code == 401


def test_an_unknown_role_is_refused_before_anything_is_stored(ccc: Cli) -> None:
    refused = ccc("user", "add", "Bob", "--role", "boss")
    assert refused.returncode != 0
    assert "invalid choice: 'boss'" in refused.stderr
    assert refused.stdout == ""


def test_an_unknown_team_is_refused_and_no_user_is_stored(ccc: Cli) -> None:
    refused = ccc("user", "add", "Bob", "--role", "agent", "--team", "nowhere")
    assert refused.returncode == 1
    assert "ccc: unknown team 'nowhere'" in refused.stderr
    assert refused.stdout == ""
    with ccc.session() as session:
        assert session.exec(select(User)).all() == []


def test_checking_the_shipped_workflows_says_ok(ccc: Cli) -> None:
    checked = ccc("workflows", "check")
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.splitlines()[-1] == "ok"


def test_checking_prints_each_prompts_sms_segments_and_warns_over_two(
    ccc: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "workflows"
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, folder / part)
    ar = folder / "prompts" / "ar.yaml"
    ar.write_text(
        ar.read_text(encoding="utf-8").replace(
            'text: "ما اسمك الثلاثي؟"', f'text: "{"ما اسمك الثلاثي؟ " * 10}"'
        ),
        encoding="utf-8",
    )
    checked = ccc("workflows", "check", str(folder))
    assert checked.returncode == 0, checked.stdout
    lines = checked.stdout.splitlines()
    assert "SMS segments per prompt (ar, ckb, kmr, en):" in lines
    (welcome,) = [line for line in lines if line.split()[:1] == ["choose_language"]]
    assert welcome.split()[1:] == ["ar", "2", "ckb", "2", "kmr", "2", "en", "2"]
    (name,) = [line for line in lines if line.split()[:1] == ["enquirer_name"]]
    assert name.split()[1:] == ["ar", "3", "ckb", "1", "kmr", "1", "en", "1"]
    line = ar.read_text(encoding="utf-8").splitlines().index("  enquirer_name:") + 1
    assert f"{ar}:{line}: warning: prompt 'enquirer_name' takes 3 SMS segments in ar" in (
        checked.stdout
    )
    assert lines[-1] == "ok"


def test_checking_a_broken_file_prints_each_problem_as_file_line_message(
    ccc: Cli, tmp_path: Path
) -> None:
    broken = tmp_path / "routing.yaml"
    broken.write_text(
        "rules:\n"
        "  - name: missing persons\n"
        "    when: {category: missing}\n"
        "    then: {team: tracing}\n"
        "  - name: the rest\n"
        "    then: {team: ccc, colour: red}\n",
        encoding="utf-8",
    )
    checked = ccc("workflows", "check", str(broken))
    assert checked.returncode == 1
    assert checked.stdout.splitlines() == [
        f"{broken}:3: missing persons: unknown category 'missing'",
        f"{broken}:6: the rest: cannot set 'colour'",
    ]


def test_demo_twice_creates_teams_once_and_one_user_per_role(ccc: Cli) -> None:
    first = ccc("demo")
    second = ccc("demo")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr

    with ccc.session() as session:
        slugs = [team.slug for team in session.exec(select(Team)).all()]
        users = session.exec(select(User)).all()
        assert sorted(slugs) == sorted(TEAMS)
        assert sorted(u.name for u in users) == sorted(name for name, _, _ in USERS)
        assert {u.role for u in users} == {r.value for r in Role}

        tokens = {run: demo_tokens(output.stdout) for run, output in (("1", first), ("2", second))}
        assert set(tokens["1"]) == set(tokens["2"]) == {name for name, _, _ in USERS}
        for name, token in tokens["2"].items():
            caller = caller_for_token(session, token=token)
            assert caller is not None and caller.name == name
        # idempotent: the second run prints the same tokens, and they still work
        assert tokens["1"] == tokens["2"]
    assert oct((ccc.folder / ".ccc-demo-tokens.json").stat().st_mode & 0o777) == "0o600"


def demo_tokens(stdout: str) -> dict[str, str]:
    """The demo user names and tokens that `ccc demo` printed."""
    found: dict[str, str] = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and TOKEN.match(parts[2]):
            found[parts[1]] = parts[2]
    return found


def test_a_users_own_shift_calendar_is_set_and_cleared_by_name(ccc: Cli) -> None:
    assert ccc("team", "add", "tracing", "--name", "Tracing").returncode == 0
    added = ccc("user", "add", "Hana", "--role", "team_member", "--team", "tracing",
                "--calendar", "centre")  # fmt: skip
    assert added.returncode == 0, added.stderr
    refused = ccc("user", "calendar", "Hana", "night_shift")
    assert refused.returncode == 1
    assert "unknown calendar 'night_shift'; the calendars are always, centre" in refused.stderr
    with ccc.session() as session:
        assert session.exec(select(User).where(User.name == "Hana")).one().calendar == "centre"
    cleared = ccc("user", "calendar", "Hana", "none")
    assert cleared.returncode == 0, cleared.stderr
    assert "Hana now works the team's calendar" in cleared.stdout
    with ccc.session() as session:
        assert session.exec(select(User).where(User.name == "Hana")).one().calendar is None


def test_an_unknown_calendar_on_a_new_user_stores_nobody(ccc: Cli) -> None:
    refused = ccc("user", "add", "Ida", "--role", "agent", "--calendar", "night_shift")
    assert refused.returncode == 1
    assert "unknown calendar 'night_shift'" in refused.stderr
    with ccc.session() as session:
        assert session.exec(select(User).where(User.name == "Ida")).first() is None
