"""Checking flow, prompt and rule files: each test here once failed on a real bug (a problem
missed, reported twice, at the wrong line, or a crash instead of a problem)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workflows.files.flow import load_flow
from workflows.files.library import PACKAGE_DIR, check_paths
from workflows.files.yamlfile import LoadError


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, tmp_path / part)
    return tmp_path


def line_of(path: Path, text: str) -> int:
    [line] = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return line


def test_misspelled_when_is_refused(copy: Path) -> None:
    p = copy / "rules" / "routing.yaml"
    p.write_text(
        p.read_text().replace("    when: {category: tracing}", "    whne: {category: tracing}")
    )
    [problem] = check_paths([p])
    assert (problem.path, problem.line) == (str(p), line_of(p, "whne:"))
    assert problem.message.startswith("missing persons: unknown key 'whne'")


def test_unknown_flow_key_is_refused(copy: Path) -> None:
    p = copy / "flows" / "default.yaml"
    p.write_text(p.read_text().replace("menu_step: main_menu", "menu_stpe: main_menu"))
    [problem] = check_paths([p])
    assert (problem.path, problem.line) == (str(p), line_of(p, "menu_stpe:"))
    assert problem.message.startswith("unknown key 'menu_stpe'; a flow has")
    with pytest.raises(LoadError, match=r"default\.yaml:\d+: unknown key 'menu_stpe'"):
        load_flow(p)


def test_last_rule_when_line(copy: Path) -> None:
    p = copy / "rules" / "routing.yaml"
    p.write_text(
        p.read_text().replace(
            "    then: {team: ccc}\n", "    when: {channel: sms}\n    then: {team: ccc}\n"
        )
    )
    lines = p.read_text().splitlines()
    when_line = next(i for i, text in enumerate(lines, 1) if "when: {channel: sms}" in text)
    [found] = check_paths([p])
    assert (found.path, found.line, found.message) == (str(p), when_line, "duplicate key 'when'")


def test_folder_check_reports_once(copy: Path) -> None:
    p = copy / "prompts" / "ar.yaml"
    p.write_text(p.read_text().replace("  tracing_last_seen:\n", "  tracing_last_seen: x: y\n"))
    [problem] = check_paths([copy])
    assert (problem.path, problem.line) == (str(p), line_of(p, "tracing_last_seen: x: y"))
    assert problem.message.startswith("not valid YAML")


def test_single_prompt_file_checked_against_flow(copy: Path) -> None:
    p = copy / "prompts" / "ar.yaml"
    p.write_text(p.read_text().replace("  tracing_last_seen:\n", "  tracing_last_sen:\n"))
    [problem] = check_paths([p])
    assert problem.path == str(p)
    assert problem.message.startswith("prompt 'tracing_last_seen' (used in ")
    assert problem.message.endswith("is missing")


def test_a_recursive_yaml_anchor_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "loop.yaml"
    broken.write_text("a: &x [*x]\n")
    [problem] = check_paths([broken])
    assert (problem.path, problem.line) == (str(broken), 1)
    assert "refers to itself" in problem.message


def test_menu_words_in_an_unknown_language_or_missing_a_language_are_refused(copy: Path) -> None:
    p = copy / "flows" / "default.yaml"
    text = p.read_text(encoding="utf-8")
    assert "          en: [missing," in text
    p.write_text(
        text.replace("          en: [missing,", "          fr: [missing,"), encoding="utf-8"
    )
    messages = [problem.message for problem in check_paths([p])]
    assert any("unknown language 'fr'" in m for m in messages), messages
    assert any("words are missing in en" in m for m in messages), messages


def test_a_whatsapp_template_needs_a_content_sid_and_known_values(copy: Path) -> None:
    p = copy / "prompts" / "en.yaml"
    p.write_text(
        p.read_text(encoding="utf-8")
        + "\nwhatsapp_templates:\n"
        + "  closing_notice: {content_sid: nope, variables: {'1': reference}}\n"
        + "  centre_answered: {content_sid: HX"
        + "c" * 32
        + ", variables: {'1': name}}\n",
        encoding="utf-8",
    )
    messages = [problem.message for problem in check_paths([copy])]
    assert any("needs a content_sid" in m for m in messages), messages
    assert any("'centre_answered': variables" in m for m in messages), messages
