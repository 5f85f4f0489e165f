"""`CCC_WORKFLOWS_DIR` replaces the built-in flows, prompts and rules, at start and in
`ccc workflows check`; a folder that does not exist stops the start with a clear message."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ccc.api.app import create_app
from ccc.kernel.runtime import set_runtime
from tests.ccc.test_cli import Cli
from tests.conftest import make_settings
from workflows.files.library import PACKAGE_DIR, configure


@pytest.fixture
def own_workflows(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "centre-workflows"
    shutil.copytree(PACKAGE_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    yield folder
    configure(PACKAGE_DIR)
    set_runtime(None)


def test_a_centres_own_prompts_are_what_people_read(own_workflows: Path, database_url: str) -> None:
    english = own_workflows / "prompts" / "en.yaml"
    english.write_text(
        english.read_text(encoding="utf-8").replace(
            "How can we help you?", "Hello from the Erbil centre. How can we help?"
        ),
        encoding="utf-8",
    )
    settings = make_settings(database_url, workflows_dir=str(own_workflows), redis_url=None)
    with TestClient(create_app(settings, background=False)) as client:
        for text in ("hello", "4"):
            client.post("/api/simulator/messages", json={"from": "+9647701234567", "text": text})
        replies = client.get("/api/simulator/messages", params={"address": "+9647701234567"})
    assert "Hello from the Erbil centre" in replies.json()[-1]["text"]


def test_check_reads_the_configured_folder(own_workflows: Path, tmp_path: Path) -> None:
    rules = next((own_workflows / "rules").glob("*.yaml"))
    rules.write_text(
        rules.read_text(encoding="utf-8").replace("team: tracing", "team: tracing, colour: red"),
        encoding="utf-8",
    )
    ccc = Cli(tmp_path)
    ccc.env["CCC_WORKFLOWS_DIR"] = str(own_workflows)
    checked = ccc("workflows", "check")
    assert checked.returncode == 1
    assert checked.stdout.startswith(f"{rules}:")
    assert "cannot set 'colour'" in checked.stdout


def test_a_folder_that_does_not_exist_stops_the_start(tmp_path: Path) -> None:
    ccc = Cli(tmp_path)
    ccc.env["CCC_WORKFLOWS_DIR"] = str(tmp_path / "nowhere")
    started = ccc("serve", "--port", "0")
    assert started.returncode != 0
    assert "CCC_WORKFLOWS_DIR" in started.stderr
    assert "is not a folder" in started.stderr
