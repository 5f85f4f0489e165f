"""`ccc workflows check` on rules and SLA files: every problem as `file:line: message`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workflows.files.library import PACKAGE_DIR, check_paths
from workflows.files.yamlfile import Problem

ALLEGATIONS = "allegations of misconduct, exploitation, abuse, fraud or bribery are restricted"
EMERGENCY = "a medical emergency is urgent"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "workflows"
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, target / part)
    shutil.copy(PACKAGE_DIR / "calendars.yaml", target / "calendars.yaml")
    return target


def rules(folder: Path) -> Path:
    return folder / "rules" / "routing.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


CASES = [
    (
        "unknown rule field",
        "    then: {priority: urgent}\n",
        "    then: {priority: urgent}\n    colour: red\n",
        "colour: red",
        f"{EMERGENCY}: unknown key 'colour'; a rule has name, on, idle, when, then, stop",
    ),
    (
        "unknown event",
        "  - name: a medical emergency is urgent\n    on: [ticket.created, message.received]",
        "  - name: a medical emergency is urgent\n    on: [ticket.created, call.ended]",
        "call.ended",
        f"{EMERGENCY}: unknown event 'call.ended'; one of ticket.created, message.received, "
        "ticket.updated, ticket.idle, sla.warning, sla.breached, referral.overdue",
    ),
    (
        "unknown condition",
        "when: {words: medical_emergency}",
        "when: {words: medical_emergency, mood: angry}",
        "mood: angry",
        f"{EMERGENCY}: cannot match on 'mood'",
    ),
    (
        "unknown action",
        "then: {priority: urgent}",
        "then: {priority: urgent, colour: red}",
        "colour: red",
        f"{EMERGENCY}: cannot set 'colour'",
    ),
    (
        "unknown category",
        "category: [complaint, feedback]\n      any:",
        "category: [complaint, praise]\n      any:",
        "praise",
        f"{ALLEGATIONS}: unknown category 'praise'",
    ),
    (
        "unknown word list",
        "when: {words: medical_emergency}",
        "when: {words: medical}",
        "words: medical}",
        f"{EMERGENCY}: unknown word list 'medical'",
    ),
    (
        "unknown template",
        "then: {priority: urgent}",
        "then: {priority: urgent, message: call_us}",
        "call_us",
        f"{EMERGENCY}: unknown template 'call_us'",
    ),
    (
        "template missing a language",
        '    kmr: "Spas ji bo nêrîna te."\n',
        "",
        "satisfaction_thanks:",
        "file: template 'satisfaction_thanks' has no text in 'kmr'",
    ),
    (
        "unknown calendar",
        "default: {first_response: 8h, next_response: 8h, resolution: 40h, calendar: centre}",
        "default: {first_response: 8h, resolution: 40h, calendar: office}",
        "  default:",
        "sla: unknown calendar 'office'",
    ),
    (
        "malformed duration",
        "default: {first_response: 8h, next_response: 8h, resolution: 40h, calendar: centre}",
        "default: {first_response: 8 hours, next_response: 8h, resolution: 40h, calendar: centre}",
        "  default:",
        "sla: first_response '8 hours' is not a duration such as 30m, 8h or 2d",
    ),
    (
        "malformed next response",
        "default: {first_response: 8h, next_response: 8h, resolution: 40h, calendar: centre}",
        "default: {first_response: 8h, next_response: soon, resolution: 40h, calendar: centre}",
        "  default:",
        "sla: next_response 'soon' is not a duration such as 30m, 8h or 2d",
    ),
    (
        "a rule that can never match",
        "when: {words: medical_emergency}",
        "when: {words: medical_emergency, status: resolved}",
        "status: resolved",
        f"{EMERGENCY}: can never match: a ticket on ticket.created is never resolved",
    ),
    (
        "an empty any",
        "when: {words: medical_emergency}",
        "when: {any: []}",
        "any: []",
        f"{EMERGENCY}: 'any' needs a list of conditions, and can never match empty",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_problem_is_reported_at_its_line(
    folder: Path, old: str, new: str, needle: str, message: str
) -> None:
    path = rules(folder)
    edit(path, old, new)
    line = line_of(path, needle)
    assert check_paths([folder]) == [Problem(str(path), line, message)]


def test_a_team_not_in_the_database_is_reported(folder: Path) -> None:
    path = rules(folder)
    edit(
        path,
        "then: {team: detention}\n    stop: true\n\n",
        "then: {team: detentoin}\n    stop: true\n\n",
    )
    teams = {"ccc", "tracing", "detention", "assistance", "accountability"}
    [found] = check_paths([folder], teams=teams)
    assert found == Problem(
        str(path),
        line_of(path, "detentoin"),
        "words about arrest, detention or prison go to the detention team: "
        "unknown team 'detentoin'",
    )
    assert check_paths([PACKAGE_DIR], teams=teams) == []


def test_overlapping_and_malformed_shifts_are_reported(folder: Path) -> None:
    path = folder / "calendars.yaml"
    edit(path, 'sun: ["08:00-16:00"]', 'sun: ["08:00-16:00", "15:00-17:00"]')
    edit(path, 'mon: ["08:00-16:00"]', 'mon: ["8-16"]')
    found = check_paths([path])
    assert [(p.line, p.message) for p in found] == [
        (line_of(path, "sun:"), "centre: sun: shifts 08:00-16:00 and 15:00-17:00 overlap"),
        (
            line_of(path, "mon:"),
            'centre: mon: shift \'8-16\' is not "HH:MM-HH:MM", e.g. "08:00-16:00"',
        ),
    ]


def test_the_command_prints_file_line_message_and_exits_1(folder: Path, tmp_path: Path) -> None:
    path = rules(folder)
    edit(path, "then: {priority: urgent}", "then: {priority: asap}")
    env = {**os.environ, "CCC_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "ccc.cli", "workflows", "check", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    line = line_of(path, "priority: asap")
    # The problem, then the SMS cost of the folder's prompts (`ccc workflows check` prints both).
    problems = [row for row in result.stdout.splitlines() if row.startswith(str(path))]
    assert problems == [f"{path}:{line}: {EMERGENCY}: unknown priority 'asap'"]


def test_a_file_written_for_first_match_routing_is_refused_with_the_line_to_change(
    folder: Path,
) -> None:
    path = rules(folder)
    edit(path, "    then: {team: tracing}\n    stop: true\n", "    then: {team: tracing}\n")
    assert check_paths([folder]) == [
        Problem(
            str(path),
            line_of(path, "- name: missing persons"),
            "missing persons: its team is always replaced by \"everything else to the centre's "
            "agents\" below; add 'stop: true' (rules no longer stop at the first match)",
        )
    ]
