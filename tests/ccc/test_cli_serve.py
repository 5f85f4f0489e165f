"""`ccc serve --processes N`: N web processes answer on the one port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> list[str]:
    """The command lines of a process's children, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(command)
    return found


def test_two_web_processes_answer_on_one_port(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "CCC_DATABASE_URL": f"sqlite:///{tmp_path / 'ccc.db'}",
        "CCC_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "CCC_SIMULATOR": "off",
    }
    env.pop("CCC_REDIS_URL", None)
    command = [sys.executable, "-m", "ccc.cli", "serve", "--port", str(port), "--processes", "2"]
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 90
        answered = False
        while time.monotonic() < deadline and not answered:
            assert server.poll() is None, "ccc serve exited"
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).is_success
            except httpx.HTTPError:
                time.sleep(0.3)
        assert answered
        serving = [c for c in _children(server.pid) if "spawn_main" in c]
        assert len(serving) == 2, serving
    finally:
        server.terminate()
        server.wait(timeout=30)
