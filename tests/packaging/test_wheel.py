"""What a centre installs is the wheel, not this checkout: a wheel built from here must carry the
migrations, the flows and the static files, and be able to migrate and serve on its own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

# The wheel does not depend on the database: `make test` builds it in its SQLite pass only.
pytestmark = pytest.mark.skipif(
    bool(os.environ.get("CCC_TEST_DATABASE_URL")), reason="runs in the SQLite pass of make test"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy: setuptools writes build/ and *.egg-info beside the sources it builds.
    source = tmp_path_factory.mktemp("source") / "ccc"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "*.db", "tests"
        ),
    )
    subprocess.run(  # noqa: S603  (pip on our own checkout)
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [built] = out.glob("ccc-*.whl")
    return built


def test_the_wheel_carries_the_migrations_and_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "migrations/env.py" in names
    assert "migrations/script.py.mako" in names
    assert any(n.startswith("migrations/versions/0001") for n in names)
    assert "workflows/data/flows/default.yaml" in names
    assert "workflows/data/prompts/ar.yaml" in names
    assert "workflows/data/prompts/voice/ar.yaml" in names
    assert "workflows/data/rules/routing.yaml" in names
    assert "workflows/data/calendars.yaml" in names
    assert "workflows/chatbot/engine.py" in names


def test_an_installed_wheel_migrates_a_new_database_and_serves(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CCC_", "TWILIO_", "TELEGRAM_"))
    }
    # The installed copy first on the path, the checkout nowhere: it must stand on its own.
    env["PYTHONPATH"] = str(site)
    env["CCC_DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.db'}"
    where = subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import ccc, migrations; print(ccc.__file__, migrations.__file__)"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.count(str(site)) == 2
    migrated = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "ccc.cli", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "ccc.cli", "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert _healthz(server, port) == {
            "status": "ok",
            "database": "ok",
            "redis": "not used",
            "workflows": {"status": "ok"},  # the installed rules, calendars and flows loaded
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthz(server: subprocess.Popen[bytes], port: int) -> object:
    """`/healthz` of the server once it answers; a server that exits or never answers fails
    the test with what it wrote to stderr, which says why."""
    deadline = time.monotonic() + 30
    while True:
        if server.poll() is not None:
            pytest.fail(f"ccc serve exited with {server.returncode}:\n{_stderr(server)}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
        except httpx.TransportError:
            if time.monotonic() > deadline:
                server.terminate()
                pytest.fail(f"ccc serve did not answer within 30 s:\n{_stderr(server)}")
            time.sleep(0.2)


def _stderr(server: subprocess.Popen[bytes]) -> str:
    _, err = server.communicate(timeout=10)
    return err.decode(errors="replace")


def test_a_server_that_dies_fails_the_check_with_its_stderr() -> None:
    dying = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", "import sys; sys.stderr.write('no database'); sys.exit(3)"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    with pytest.raises(pytest.fail.Exception, match="exited with 3:\nno database"):
        _healthz(dying, _free_port())
