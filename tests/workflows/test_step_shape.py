"""What a flow step must have to be a step: it asks or acts, says what it created, and knows
where it goes next. Every combination of the keys the check reads, against the problems the
check has always reported, in their order."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from workflows.files.flow import Choice, _check_shape
from workflows.files.yamlfile import LineDict

NEITHER = "step 's' neither asks nor acts (needs 'ask' or 'create_ticket')"
SILENT = "step 's' creates a ticket but says nothing ('say' is missing)"
BY_NAME = "step 's': ask_by_name needs the choices it names"
NOWHERE_KEPT = "step 's' asks a question but neither saves nor offers choices"
NO_NEXT = "step 's': where does it go next? ('next' is missing)"

KEYS = ("ask", "create_ticket", "lookup_reference", "say", "ask_by_name", "save", "next")
CHOICES = {
    "none": {},
    "all lead on": {"1": Choice(key="1", value="a", next="t")},
    "one leads nowhere": {
        "1": Choice(key="1", value="a", next="t"),
        "2": Choice(key="2", value="b", next=None),
    },
}


def expected(keys: frozenset[str], choices: dict[str, Choice]) -> list[str]:
    """The rules as the flow format documents them, written out one by one."""
    acts = "create_ticket" in keys or "lookup_reference" in keys
    found = []
    if not acts and "ask" not in keys:
        found.append(NEITHER)
    if "create_ticket" in keys and "say" not in keys:
        found.append(SILENT)
    if "ask_by_name" in keys and not choices:
        found.append(BY_NAME)
    if "ask" in keys and "lookup_reference" not in keys:
        if "save" not in keys and not choices:
            found.append(NOWHERE_KEPT)
        if "next" not in keys and (not choices or any(c.next is None for c in choices.values())):
            found.append(NO_NEXT)
    return found


def step(keys: frozenset[str]) -> LineDict:
    raw = LineDict({key: {"category": "other"} if key == "create_ticket" else "x" for key in keys})
    raw.key_lines = {}
    return raw


CASES = [
    (frozenset(keys), choices)
    for size in range(len(KEYS) + 1)
    for keys in itertools.combinations(KEYS, size)
    for choices in CHOICES
]


@pytest.mark.parametrize(("keys", "choices"), CASES)
def test_the_shape_problems_of_a_step(keys: frozenset[str], choices: str) -> None:
    found: list[tuple[int, str]] = []
    _check_shape(
        "s", step(keys), 9, CHOICES[choices], lambda line, text: found.append((line, text))
    )
    assert found == [(9, text) for text in expected(keys, CHOICES[choices])]


@pytest.mark.parametrize("empty", [None, "", {}, 0])
def test_an_empty_action_is_no_action(empty: Any) -> None:
    """`create_ticket:` with nothing under it neither acts nor wants a `say`."""
    raw = LineDict({"create_ticket": empty, "lookup_reference": empty})
    raw.key_lines = {}
    found: list[str] = []
    _check_shape("s", raw, 1, {}, lambda line, text: found.append(text))
    assert found == [NEITHER]
