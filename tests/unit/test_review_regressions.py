"""Regressions: each test here once failed on a real bug found in review."""

from __future__ import annotations

import io
import logging
import shutil
from pathlib import Path

import pytest

from ccc.kernel.logging import RedactingFilter, redact
from ccc.kernel.phone import mask
from workflows.flow import load_flow
from workflows.library import PACKAGE_DIR, check_paths
from workflows.yamlfile import LoadError


@pytest.mark.parametrize(
    "line",
    [
        "POST /webhooks/twilio/messaging From=whatsapp%3A%2B9647701234567",
        "GET /x?to=%2b9647701234567",
        "call (0770) 123 4567",
        "call 0770.123.4567",
    ],
)
def test_redact_hides_numbers(line: str) -> None:
    assert "4567" not in redact(line)


def test_redact_keeps_a_timestamp() -> None:
    assert redact("due 2024-05-01 12:00") == "due 2024-05-01 12:00"


def test_traceback_is_redacted() -> None:
    out = io.StringIO()
    h = logging.StreamHandler(out)
    h.addFilter(RedactingFilter())
    lg = logging.getLogger("bug.tb")
    lg.addHandler(h)
    lg.propagate = False
    try:
        raise ValueError("cannot send to +9647701234567")
    except ValueError:
        lg.exception("send failed")
    assert "9647701234567" not in out.getvalue()


@pytest.mark.parametrize("address", ["12345", "123456", "+12345"])
def test_mask_short(address: str) -> None:
    m = mask(address)
    assert sum(c.isdigit() for c in m) < sum(c.isdigit() for c in address)


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, tmp_path / part)
    return tmp_path


def test_misspelled_when_is_refused(copy: Path) -> None:
    p = copy / "rules" / "routing.yaml"
    p.write_text(
        p.read_text().replace("    when: {category: tracing}", "    whne: {category: tracing}")
    )
    assert check_paths([p]) != []


def test_unknown_flow_key_is_refused(copy: Path) -> None:
    p = copy / "flows" / "default.yaml"
    p.write_text(p.read_text().replace("menu_step: main_menu", "menu_stpe: main_menu"))
    assert check_paths([p]) != []
    with pytest.raises(LoadError):
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
    assert found.line in (when_line, when_line - 1)


def test_folder_check_reports_once(copy: Path) -> None:
    p = copy / "prompts" / "ar.yaml"
    p.write_text(p.read_text().replace("  tracing_last_seen:\n", "  tracing_last_seen: x: y\n"))
    problems = check_paths([copy])
    assert len(problems) == len(set(problems))


def test_single_prompt_file_checked_against_flow(copy: Path) -> None:
    p = copy / "prompts" / "ar.yaml"
    p.write_text(p.read_text().replace("  tracing_last_seen:\n", "  tracing_last_sen:\n"))
    assert check_paths([p]) != []


def test_uvicorn_access_lines_keep_their_arguments_and_lose_the_number() -> None:
    from uvicorn.logging import AccessFormatter

    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("test.uvicorn.access")
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    logger.propagate = False
    logger.info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        "/api/simulator/messages?address=+9647701234567",
        "1.1",
        200,
    )
    line = out.getvalue()
    assert "GET /api/simulator/messages?address=***" in line
    assert "9647701234567" not in line


def test_a_recursive_yaml_anchor_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "loop.yaml"
    broken.write_text("a: &x [*x]\n")
    [problem] = check_paths([broken])
    assert (problem.path, problem.line) == (str(broken), 1)
    assert "refers to itself" in problem.message
