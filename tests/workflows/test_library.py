"""Flow, prompt and rule files: the shipped ones load, and a broken one is reported at its line.

Each broken case copies CCC's own files into a temporary folder, breaks one thing in the text,
and checks that the problem names that file and line, and that loading refuses the whole file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workflows.files.flow import load_flow
from workflows.files.library import PACKAGE_DIR, Library, check_paths, get_library
from workflows.files.prompts import load_catalogue
from workflows.files.rulebook import load_rules
from workflows.files.yamlfile import LoadError, Problem


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the shipped flows, prompts and rules, to break one thing at a time."""
    folder = tmp_path / "workflows"
    for part in ("flows", "prompts", "rules"):
        shutil.copytree(PACKAGE_DIR / part, folder / part)
    return folder


def flow_file(folder: Path) -> Path:
    return folder / "flows" / "default.yaml"


def rules_file(folder: Path) -> Path:
    return folder / "rules" / "routing.yaml"


def prompt_file(folder: Path, language: str) -> Path:
    return folder / "prompts" / f"{language}.yaml"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line of the file that contains `needle`."""
    lines = [
        number
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if needle in line
    ]
    assert len(lines) >= occurrence, f"{needle!r} is not in {path}"
    return lines[occurrence - 1]


def problem(path: Path, line: int, message: str) -> Problem:
    return Problem(str(path), line, message)


# --- the shipped files -------------------------------------------------------------------------


def test_the_shipped_files_load_as_one_library() -> None:
    library = get_library()
    assert isinstance(library, Library)
    assert library.flow.start == "language"
    assert library.flow.menu_step == "main_menu"
    assert {"menu", "قائمة", "مێنیو"} <= library.flow.menu_words
    assert set(library.prompts.prompts) == {"ar", "ckb", "kmr", "en"}
    assert library.rules.rules[-1].when == {}


def test_the_shipped_main_menu_offers_the_documented_options() -> None:
    main_menu = get_library().flow.steps["main_menu"]
    assert set(main_menu.choices) == {"1", "2", "3", "4", "5", "0"}
    languages = get_library().flow.steps["language"].choices
    assert {key: c.set_language for key, c in languages.items()} == {
        "1": "ar",
        "2": "ckb",
        "3": "kmr",
        "4": "en",
    }


def test_checking_the_shipped_files_finds_no_problem() -> None:
    assert check_paths([]) == []


def test_an_untouched_copy_loads_and_checks_clean(copy: Path) -> None:
    assert check_paths([copy]) == []
    assert get_library(copy).flow.steps == get_library().flow.steps


def test_a_path_that_does_not_exist_is_a_problem(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    assert check_paths([missing]) == [problem(missing, 1, "no such file or folder")]


def test_a_problem_prints_as_file_colon_line_colon_message() -> None:
    assert str(Problem("flows/x.yaml", 12, "bad step")) == "flows/x.yaml:12: bad step"


def test_a_yaml_file_of_an_unknown_kind_is_a_problem(tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("colour: red\n", encoding="utf-8")
    assert check_paths([other]) == [
        problem(
            other,
            1,
            "not a flow (steps), rules (rules), prompts (prompts), calendars (calendars) or "
            "retention (retention) file",
        )
    ]


# --- broken flows ------------------------------------------------------------------------------


def assert_flow_refused(path: Path, expected: Problem) -> None:
    """The check reports the problem, and loading refuses the file with the same problems."""
    problems = check_paths([path])
    assert expected in problems
    with pytest.raises(LoadError) as refused:
        load_flow(path)
    assert expected in refused.value.problems
    assert str(expected) in str(refused.value)


def test_a_step_going_to_an_unknown_step_is_reported_at_that_step(copy: Path) -> None:
    path = flow_file(copy)
    edit(path, "    next: tracing_done\n", "    next: tracing_finished\n")
    assert_flow_refused(
        path,
        problem(
            path,
            line_of(path, "  tracing_consent:"),
            "step 'tracing_consent' goes to an unknown step 'tracing_finished'",
        ),
    )


def test_a_choice_going_to_an_unknown_step_is_reported_at_its_step(copy: Path) -> None:
    path = flow_file(copy)
    edit(path, '"5":\n        next: status_reference', '"5":\n        next: status')
    assert_flow_refused(
        path,
        problem(
            path,
            line_of(path, "  main_menu:"),
            "step 'main_menu' goes to an unknown step 'status'",
        ),
    )


def test_a_duplicate_key_is_reported_at_its_second_occurrence(copy: Path) -> None:
    path = flow_file(copy)
    edit(
        path,
        "    save: enquirer_name\n    next: tracing_missing_name\n",
        "    save: enquirer_name\n    save: name\n    next: tracing_missing_name\n",
    )
    expected = problem(path, line_of(path, "    save: name"), "duplicate key 'save'")
    assert check_paths([path]) == [expected]
    with pytest.raises(LoadError) as refused:
        load_flow(path)
    assert refused.value.problems == [expected]


def test_a_duplicate_step_name_is_reported_at_the_second_step(copy: Path) -> None:
    path = flow_file(copy)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + "\n  callback:\n    create_ticket: {category: other}\n    say: callback_created\n",
        encoding="utf-8",
    )
    expected = problem(path, line_of(path, "  callback:", occurrence=2), "duplicate key 'callback'")
    assert check_paths([path]) == [expected]
    with pytest.raises(LoadError):
        load_flow(path)


def test_invalid_yaml_is_reported_at_the_line_where_it_breaks(copy: Path) -> None:
    path = flow_file(copy)
    edit(path, "    ask: choose_language\n", "    ask: choose_language: please\n")
    expected = problem(
        path,
        line_of(path, "ask: choose_language: please"),
        "not valid YAML: mapping values are not allowed here",
    )
    assert check_paths([path]) == [expected]
    with pytest.raises(LoadError) as refused:
        load_flow(path)
    assert refused.value.problems == [expected]


def test_an_unclosed_bracket_is_invalid_yaml_near_its_line(copy: Path) -> None:
    path = flow_file(copy)
    edit(
        path,
        '"1": {set_language: ar, next: main_menu}',
        '"1": {set_language: ar, next: main_menu',
    )
    [found] = check_paths([path])
    assert found.path == str(path)
    assert found.message.startswith("not valid YAML:")
    broken = line_of(path, "{set_language: ar, next: main_menu")
    assert broken <= found.line <= broken + 1


def test_a_choice_key_that_is_not_a_number_is_reported_at_that_choice(copy: Path) -> None:
    path = flow_file(copy)
    edit(path, '"0":\n        next: callback_confirm', '"zero":\n        next: callback_confirm')
    assert_flow_refused(
        path,
        problem(
            path,
            line_of(path, '"zero":'),
            "step 'main_menu': choice 'zero' must be a number a person can key in",
        ),
    )


def test_an_unreachable_step_is_reported_at_that_step(copy: Path) -> None:
    path = flow_file(copy)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text + '\n  forgotten:\n    ask: main_menu\n    choices:\n      "1": {next: main_menu}\n',
        encoding="utf-8",
    )
    expected = problem(
        path,
        line_of(path, "  forgotten:"),
        "step 'forgotten' cannot be reached from 'language'",
    )
    assert check_paths([path]) == [expected]
    with pytest.raises(LoadError) as refused:
        load_flow(path)
    assert refused.value.problems == [expected]


def test_a_ticket_of_an_unknown_category_is_reported_at_its_create_ticket(copy: Path) -> None:
    path = flow_file(copy)
    edit(path, "create_ticket: {category: detention}", "create_ticket: {category: detainee}")
    expected = problem(
        path,
        line_of(path, "create_ticket: {category: detainee}"),
        "step 'detention_done': unknown category 'detainee'",
    )
    assert check_paths([path]) == [expected]
    with pytest.raises(LoadError) as refused:
        load_flow(path)
    assert refused.value.problems == [expected]


def test_a_step_that_neither_asks_nor_acts_is_reported(copy: Path) -> None:
    path = flow_file(copy)
    edit(path, "    ask: ask_reference\n    lookup_reference: true\n", "    say: ask_reference\n")
    assert_flow_refused(
        path,
        problem(
            path,
            line_of(path, "  status_reference:"),
            "step 'status_reference' neither asks nor acts (needs 'ask' or 'create_ticket')",
        ),
    )


def test_every_problem_of_a_file_is_reported_at_once(copy: Path) -> None:
    path = flow_file(copy)
    edit(path, "create_ticket: {category: tracing}", "create_ticket: {category: lost}")
    edit(path, "create_ticket: {category: detention}", "create_ticket: {category: held}")
    with pytest.raises(LoadError) as refused:
        load_flow(path)
    assert [p.message for p in refused.value.problems] == [
        "step 'tracing_done': unknown category 'lost'",
        "step 'detention_done': unknown category 'held'",
    ]


def test_a_broken_flow_stops_the_whole_library_from_loading(copy: Path) -> None:
    edit(flow_file(copy), "create_ticket: {category: tracing}", "create_ticket: {category: x}")
    with pytest.raises(LoadError):
        get_library(copy)


# --- broken prompts ----------------------------------------------------------------------------


def assert_catalogue_refused(folder: Path, expected: Problem) -> None:
    assert check_paths([folder]) == [expected]
    assert check_paths([flow_file(folder)]) == [expected]
    flow = load_flow(flow_file(folder))
    with pytest.raises(LoadError) as refused:
        load_catalogue(folder / "prompts", flow)
    assert refused.value.problems == [expected]
    with pytest.raises(LoadError):
        get_library(folder)


def test_a_prompt_that_the_flow_asks_but_a_language_lacks_is_reported(copy: Path) -> None:
    path = prompt_file(copy, "ar")
    edit(path, '  tracing_last_seen:\n    text: "متى وأين شوهد هذا الشخص آخر مرة؟"\n', "")
    flow = flow_file(copy)
    asked_at = line_of(flow, "  tracing_last_seen:")
    assert_catalogue_refused(
        copy,
        problem(path, 1, f"prompt 'tracing_last_seen' (used in {flow}:{asked_at}) is missing"),
    )


def test_a_prompt_the_engine_says_but_a_language_lacks_is_reported(copy: Path) -> None:
    path = prompt_file(copy, "kmr")
    text = path.read_text(encoding="utf-8")
    start = text.index("  status_closed:\n")
    end = text.index("\n", text.index("text:", start)) + 1
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert_catalogue_refused(copy, problem(path, 1, "prompt 'status_closed' is missing"))


def test_a_menu_prompt_lacking_one_of_the_flows_choices_is_reported_at_that_prompt(
    copy: Path,
) -> None:
    path = prompt_file(copy, "ckb")
    edit(path, '      "0": قسە لەگەڵ کارمەند\n', "")
    assert_catalogue_refused(
        copy,
        problem(path, line_of(path, "  main_menu:"), "prompt 'main_menu' lacks choices ['0']"),
    )


def test_a_prompt_with_other_placeholders_than_english_is_reported_at_that_prompt(
    copy: Path,
) -> None:
    path = prompt_file(copy, "kmr")
    edit(path, "سوپاس. ژمارا داخوازیا تە: {reference}. ل", "سوپاس. ژمارا داخوازیا تە: {ref}. ل")
    assert_catalogue_refused(
        copy,
        problem(
            path,
            line_of(path, "  ticket_created:"),
            "prompt 'ticket_created' has placeholders ['ref'], English has ['reference']",
        ),
    )


def test_a_prompt_without_a_text_is_reported_at_that_prompt(copy: Path) -> None:
    path = prompt_file(copy, "en")
    edit(path, '    text: "What is your full name?"\n', '    txt: "What is your full name?"\n')
    expected = problem(
        path, line_of(path, "  enquirer_name:"), "prompt 'enquirer_name' needs a 'text'"
    )
    assert expected in check_paths([path])
    with pytest.raises(LoadError):
        get_library(copy)


def test_a_missing_language_file_is_reported(copy: Path) -> None:
    path = prompt_file(copy, "ckb")
    path.unlink()
    assert_catalogue_refused(copy, problem(path, 1, "missing prompt file for language 'ckb'"))


# --- broken rules ------------------------------------------------------------------------------


def assert_rules_refused(path: Path, expected: Problem) -> None:
    assert check_paths([path]) == [expected]
    with pytest.raises(LoadError) as refused:
        load_rules(path)
    assert refused.value.problems == [expected]


def test_a_rule_for_an_unknown_category_is_reported_at_its_when(copy: Path) -> None:
    path = rules_file(copy)
    edit(path, "when: {category: tracing}", "when: {category: missing}")
    assert_rules_refused(
        path,
        problem(
            path,
            line_of(path, "when: {category: missing}"),
            "missing persons: unknown category 'missing'",
        ),
    )


def test_a_rule_matching_on_an_unknown_key_is_reported_at_its_when(copy: Path) -> None:
    path = rules_file(copy)
    edit(path, "when: {category: detention}", "when: {category: detention, colour: red}")
    assert_rules_refused(
        path,
        problem(
            path,
            line_of(path, "colour: red"),
            "detained relatives: cannot match on 'colour'",
        ),
    )


def test_a_rule_setting_an_unknown_key_is_reported_at_its_then(copy: Path) -> None:
    path = rules_file(copy)
    edit(
        path,
        "when: {category: detention}\n    then: {team: detention}",
        "when: {category: detention}\n    then: {team: detention, queue: fast}",
    )
    assert_rules_refused(
        path,
        problem(path, line_of(path, "queue: fast"), "detained relatives: cannot set 'queue'"),
    )


def test_a_rule_setting_an_unknown_priority_is_reported_at_its_then(copy: Path) -> None:
    path = rules_file(copy)
    edit(path, "then: {team: tracing}", "then: {team: tracing, priority: asap}")
    assert_rules_refused(
        path,
        problem(path, line_of(path, "priority: asap"), "missing persons: unknown priority 'asap'"),
    )


def test_a_rule_that_can_never_match_is_refused(copy: Path) -> None:
    # Rules used to be first-match on new tickets only, so the last one had to match everything;
    # now rules listen to events, and the check is that each one can match at all.
    path = rules_file(copy)
    edit(
        path,
        "  - name: everything else to the centre's agents\n    then: {team: ccc}\n",
        "  - name: everything else to the centre's agents\n"
        "    when: {status: closed}\n    then: {team: ccc}\n",
    )
    assert_rules_refused(
        path,
        problem(
            path,
            line_of(path, "when: {status: closed}"),
            "everything else to the centre's agents: can never match: "
            "a ticket on ticket.created is never closed",
        ),
    )


def test_a_service_level_for_an_unknown_priority_is_reported(copy: Path) -> None:
    path = rules_file(copy)
    edit(path, "    low: {first_response", "    later: {first_response")
    assert_rules_refused(
        path, problem(path, line_of(path, "    later:"), "sla: unknown priority 'later'")
    )


def test_a_service_level_resolving_before_its_first_response_is_reported(copy: Path) -> None:
    path = rules_file(copy)
    edit(
        path,
        "default: {first_response: 8h, next_response: 8h, resolution: 40h, calendar: centre}",
        "default: {first_response: 8h, next_response: 8h, resolution: 4h, calendar: centre}",
    )
    assert_rules_refused(
        path,
        problem(
            path, line_of(path, "  default:"), "sla: resolution comes before the first response"
        ),
    )


def test_broken_rules_stop_the_whole_library_from_loading(copy: Path) -> None:
    edit(rules_file(copy), "when: {category: tracing}", "when: {category: missing}")
    with pytest.raises(LoadError):
        get_library(copy)


def test_a_word_listed_as_both_yes_and_no_is_reported_at_the_list(copy: Path) -> None:
    path = prompt_file(copy, "en")
    edit(path, '"no": ["no", "nope"', '"no": ["no", "yes", "nope"')
    assert_catalogue_refused(
        copy, problem(path, line_of(path, '  "no":'), "both yes and no: ['yes']")
    )
