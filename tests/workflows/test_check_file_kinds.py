"""`ccc workflows check` on one file: each kind of file is told apart by its keys and checked
with what it needs beside it (a flow with the prompts, a prompt file with the flow, a rules
file with the other files of its folder)."""

from __future__ import annotations

import shutil
from pathlib import Path

from ccc.retention import policy as retention
from tests.workflows.test_library import edit
from workflows.files.library import PACKAGE_DIR, check_paths
from workflows.files.yamlfile import Problem


def copy_of(tmp_path: Path, *parts: str) -> Path:
    for part in parts:
        shutil.copytree(PACKAGE_DIR / part, tmp_path / part)
    return tmp_path


def test_a_flow_without_prompts_beside_it_is_checked_against_the_shipped_prompts(
    tmp_path: Path,
) -> None:
    flow = copy_of(tmp_path, "flows") / "flows" / "default.yaml"
    assert check_paths([flow]) == []
    edit(flow, "ask: main_menu", "ask: main_menuu")
    found = check_paths([flow])
    assert found and {Path(p.path).parent for p in found} == {PACKAGE_DIR / "prompts"}
    assert all("main_menuu" in p.message for p in found)


def test_a_broken_flow_is_reported_without_checking_its_prompts(tmp_path: Path) -> None:
    flow = copy_of(tmp_path, "flows", "prompts") / "flows" / "default.yaml"
    edit(flow, "ask: main_menu", "ask: main_menu\n    bogus: 1")
    assert [p.message for p in check_paths([flow])] == [
        "step 'main_menu' has an unknown key 'bogus'"
    ]


def test_a_rules_file_outside_a_rules_folder_is_checked_alone(tmp_path: Path) -> None:
    alone = tmp_path / "mine.yaml"
    shutil.copy(PACKAGE_DIR / "rules" / "routing.yaml", alone)
    assert check_paths([alone]) == []
    edit(alone, "    when: {words: medical_emergency}", "    whne: {words: medical_emergency}")
    [found] = check_paths([alone])
    assert (found.path, found.message[:45]) == (
        str(alone),
        "a medical emergency is urgent: unknown key 'w",
    )


def test_a_rules_folder_is_one_set_but_each_file_answers_for_its_own_lines(
    tmp_path: Path,
) -> None:
    rules = copy_of(tmp_path, "rules") / "rules"
    extra = rules / "extra.yaml"
    extra.write_text(
        "rules:\n  - name: odd\n    on: [ticket.created]\n    whne: {channel: sms}\n"
        "    then: {priority: high}\n",
        encoding="utf-8",
    )
    assert check_paths([rules / "routing.yaml"]) == []
    [found] = check_paths([extra])
    assert (found.path, found.line) == (str(extra), 4)
    assert found.message.startswith("odd: unknown key 'whne'")


def test_a_retention_file_is_checked_by_the_retention_policy(tmp_path: Path) -> None:
    assert check_paths([PACKAGE_DIR / "retention.yaml"]) == []
    broken = tmp_path / "retention.yaml"
    broken.write_text("retention:\n  calls: forever\n", encoding="utf-8")
    found = check_paths([broken])
    assert found and found == [
        Problem(p.path, p.line, p.message) for p in retention.check(broken)[1]
    ]


def test_a_prompt_file_without_a_flow_beside_it_is_checked_alone(tmp_path: Path) -> None:
    prompts = copy_of(tmp_path, "prompts") / "prompts" / "ar.yaml"
    edit(prompts, "  tracing_last_seen:\n", "  tracing_last_sen:\n")
    assert check_paths([prompts]) == []


def test_a_prompt_file_beside_a_broken_flow_reports_the_flow(tmp_path: Path) -> None:
    folder = copy_of(tmp_path, "flows", "prompts")
    flow = folder / "flows" / "default.yaml"
    edit(flow, "ask: main_menu", "ask: main_menu\n    bogus: 1")
    found = check_paths([folder / "prompts" / "ar.yaml"])
    assert [(p.path, p.message) for p in found] == [
        (str(flow), "step 'main_menu' has an unknown key 'bogus'")
    ]


def test_a_prompt_file_with_problems_of_its_own_is_not_checked_against_the_flow(
    tmp_path: Path,
) -> None:
    folder = copy_of(tmp_path, "flows", "prompts")
    prompts = folder / "prompts" / "en.yaml"
    edit(prompts, "  tracing_last_seen:\n", "  tracing_last_sen:\n")
    assert len(check_paths([prompts])) == 1
    edit(prompts, '    text: "What is your full name?"\n', '    txt: "What is your full name?"\n')
    assert [p.message for p in check_paths([prompts])] == ["prompt 'enquirer_name' needs a 'text'"]


def test_a_yaml_list_is_no_kind_of_file(tmp_path: Path) -> None:
    listed = tmp_path / "list.yaml"
    listed.write_text("- steps\n- rules\n", encoding="utf-8")
    [found] = check_paths([listed])
    assert (found.line, found.message[:6]) == (1, "not a ")


def test_a_prompt_file_with_rule_keys_is_a_prompt_file(tmp_path: Path) -> None:
    """A prompt file has `words:` too: `prompts:` tells it from a rules file."""
    prompts = copy_of(tmp_path, "prompts") / "prompts" / "en.yaml"
    text = prompts.read_text(encoding="utf-8")
    assert "\nwords:" in text or text.startswith("words:")
    assert check_paths([prompts]) == []
