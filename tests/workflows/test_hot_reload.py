"""Edited rules take effect without a restart; a bad edit is refused and the last good set kept."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Harness
from tests.workflows.test_shipped_rules import intake, tickets_of, tracing
from workflows.files import reload
from workflows.files.library import PACKAGE_DIR, configure


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    target = tmp_path / "workflows"
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, target / part)
    shutil.copy(PACKAGE_DIR / "calendars.yaml", target / "calendars.yaml")
    monkeypatch.setattr(reload, "CHECK_SECONDS", 0.0)  # look at the files on every use
    configure(target)
    yield target
    configure(PACKAGE_DIR)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_bad_edit_is_refused_and_the_last_good_rules_keep_serving(
    ccc: Harness,
    folder: Path,
    supervisor: dict[str, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    rules = folder / "rules" / "routing.yaml"
    edit(
        rules,
        "when: {words: medical_emergency}\n    then: {priority: urgent}",
        "when: {words: medical_emergency}\n    then: {priority: high}",
    )
    intake(ccc, "+9647702220001", "en", tracing("He is bleeding."))
    [ticket] = tickets_of(ccc, "+9647702220001", supervisor)
    assert ticket["priority"] == "high"  # the edit took effect, no restart

    with caplog.at_level(logging.ERROR, logger="workflows.files.reload"):
        edit(rules, "then: {priority: high}", "then: {priority: highest}")
        intake(ccc, "+9647702220002", "en", tracing("He is bleeding."))
    [ticket] = tickets_of(ccc, "+9647702220002", supervisor)
    assert ticket["priority"] == "high"  # still the last good set
    line = next(n for n, text in enumerate(rules.read_text().splitlines(), 1) if "highest" in text)
    problem = f"{rules}:{line}: a medical emergency is urgent: unknown priority 'highest'"
    assert problem in caplog.text
    health = ccc.client.get("/healthz").json()
    assert health["workflows"] == {
        "status": "refused: serving the last good set",
        "problems": [problem],
    }

    edit(rules, "then: {priority: highest}", "then: {priority: urgent}")
    intake(ccc, "+9647702220003", "en", tracing("He is bleeding."))
    [ticket] = tickets_of(ccc, "+9647702220003", supervisor)
    assert ticket["priority"] == "urgent"
    assert ccc.client.get("/healthz").json()["workflows"] == {"status": "ok"}
