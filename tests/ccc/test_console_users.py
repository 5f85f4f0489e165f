"""Console passwords and languages from the command line, as an administrator sets them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from ccc.access.models import User
from ccc.console.auth import verify_password
from ccc.kernel.db import make_engine

CCC = Path(sys.executable).parent / "ccc"


class Admin:
    def __init__(self, folder: Path) -> None:
        self.url = f"sqlite:///{folder / 'ccc.db'}"
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CCC_")}
        self.env["CCC_DATABASE_URL"] = self.url

    def __call__(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603  (our own console script)
            [str(CCC), *args],
            input=stdin,
            env=self.env,
            cwd=self.folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def user(self, name: str) -> User:
        engine = make_engine(self.url)
        try:
            with Session(engine) as session:
                return session.exec(select(User).where(User.name == name)).one()
        finally:
            engine.dispose()


@pytest.fixture
def admin(tmp_path: Path) -> Admin:
    return Admin(tmp_path)


def test_user_add_reads_the_password_from_stdin_and_keeps_the_language(admin: Admin) -> None:
    assert admin("team", "add", "ccc", "--name", "Centre").returncode == 0
    added = admin(
        "user",
        "add",
        "amal",
        "--role",
        "agent",
        "--team",
        "ccc",
        "--language",
        "ar",
        "--password-stdin",
        stdin="a long enough secret\n",
    )
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip().splitlines()[-1].startswith("ccc_")  # the token stays last
    user = admin.user("amal")
    assert user.language == "ar"
    assert verify_password(user, "a long enough secret")
    assert "a long enough secret" not in added.stdout + added.stderr


def test_a_short_password_is_refused_and_creates_nobody(admin: Admin) -> None:
    added = admin("user", "add", "amal", "--role", "admin", "--password-stdin", stdin="short\n")
    assert added.returncode == 1
    assert "at least 10 characters" in added.stderr


def test_user_password_sets_a_new_password(admin: Admin) -> None:
    admin("user", "add", "sam", "--role", "supervisor")
    assert admin.user("sam").password_hash is None
    changed = admin("user", "password", "sam", stdin="another long secret\n")
    assert changed.returncode == 0, changed.stderr
    assert verify_password(admin.user("sam"), "another long secret")
    unknown = admin("user", "password", "nobody", stdin="another long secret\n")
    assert unknown.returncode == 1 and "no user 'nobody'" in unknown.stderr


def test_demo_prints_console_passwords_that_open_the_console_and_stay_the_same(
    admin: Admin,
) -> None:
    first, second = admin("demo"), admin("demo")
    assert first.returncode == 0, first.stderr
    rows = [line.split() for line in first.stdout.splitlines() if " ccc_" in line]
    assert rows and first.stdout == second.stdout
    for _role, name, _token, password in rows:
        assert verify_password(admin.user(name), password), name
    kept = admin.folder / ".ccc-demo-passwords.json"
    assert oct(kept.stat().st_mode & 0o777) == "0o600"
