"""The ticket lifecycle: which status may follow which, and how a refusal explains itself."""

from __future__ import annotations

from itertools import product

import pytest

from ccc.kernel.errors import Conflict, Invalid
from ccc.tickets.lifecycle import ACTIVE, TRANSITIONS, check_transition, parse_status
from ccc.tickets.models import TicketStatus

ALLOWED = [
    ("new", "open"),
    ("new", "referred"),
    ("new", "pending"),
    ("new", "resolved"),
    ("open", "referred"),
    ("open", "pending"),
    ("open", "resolved"),
    ("referred", "open"),
    ("referred", "pending"),
    ("referred", "resolved"),
    ("pending", "open"),
    ("pending", "referred"),
    ("pending", "resolved"),
    ("resolved", "open"),
    ("resolved", "closed"),
]
STATUSES = [s.value for s in TicketStatus]
REFUSED = [
    (current, target)
    for current, target in product(STATUSES, STATUSES)
    if current != target and (current, target) not in ALLOWED
]


def test_the_table_of_transitions_is_exactly_the_documented_one() -> None:
    table = {(a.value, b.value) for a, targets in TRANSITIONS.items() for b in targets}
    assert table == set(ALLOWED)
    assert set(TRANSITIONS) == set(TicketStatus)


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_an_allowed_change_gives_the_new_status(current: str, target: str) -> None:
    assert check_transition(current, target) == TicketStatus(target)


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_any_other_change_is_a_conflict_that_names_what_is_allowed(
    current: str, target: str
) -> None:
    with pytest.raises(Conflict) as refused:
        check_transition(current, target)
    assert refused.value.status_code == 409
    detail = refused.value.detail
    article = "an" if current == "open" else "a"
    assert f"{article} {current} ticket cannot become {target}" in detail
    for allowed in TRANSITIONS[TicketStatus(current)]:
        assert allowed.value in detail.split("allowed:", 1)[1]


def test_every_pair_of_different_statuses_is_either_allowed_or_refused() -> None:
    assert len(ALLOWED) + len(REFUSED) == len(STATUSES) * (len(STATUSES) - 1)


@pytest.mark.parametrize("status", STATUSES)
def test_changing_to_the_same_status_is_a_no_op(status: str) -> None:
    assert check_transition(status, status) == TicketStatus(status)


@pytest.mark.parametrize("target", ["done", "", "Open", "archived"])
def test_an_unknown_status_is_invalid_and_lists_the_known_ones(target: str) -> None:
    with pytest.raises(Invalid) as refused:
        check_transition("open", target)
    assert refused.value.status_code == 422
    for status in STATUSES:
        assert status in refused.value.detail


def test_parse_status_accepts_every_known_status() -> None:
    assert [parse_status(s) for s in STATUSES] == list(TicketStatus)


@pytest.mark.parametrize("target", [s for s in STATUSES if s != "closed"])
def test_a_closed_ticket_is_final(target: str) -> None:
    with pytest.raises(Conflict) as refused:
        check_transition("closed", target)
    assert "nothing (final)" in refused.value.detail


def test_a_resolved_ticket_can_only_reopen_or_close() -> None:
    assert TRANSITIONS[TicketStatus.resolved] == {TicketStatus.open, TicketStatus.closed}


def test_active_tickets_are_those_not_yet_resolved_or_closed() -> None:
    assert ACTIVE == set(TicketStatus) - {TicketStatus.resolved, TicketStatus.closed}


def test_errors_read_as_english() -> None:
    with pytest.raises(Conflict) as refused:
        check_transition("open", "new")
    assert refused.value.detail.startswith("an open ticket cannot become new")
