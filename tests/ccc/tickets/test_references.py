"""Ticket references: 7 random digits and a Damm check digit, as people read and type them."""

from __future__ import annotations

import random

import pytest
from sqlmodel import Session, select

from ccc.contacts.service import get_or_create_identity
from ccc.tickets import references as reference_module
from ccc.tickets.models import Ticket
from ccc.tickets.references import (
    LENGTH,
    compact,
    damm_digit,
    find_valid,
    generate,
    is_valid,
    looks_like_reference,
    spaced,
)
from ccc.tickets.service import REFERENCE_TRIES, create_ticket
from tests.conftest import Harness

VALID = "57240000"  # "572" has check digit 4 (the textbook example), padded with zeros


def random_references(count: int, seed: int = 20240501) -> list[str]:
    rng = random.Random(seed)
    references = []
    for _ in range(count):
        body = "".join(rng.choice("0123456789") for _ in range(7))
        references.append(body + str(damm_digit(body)))
    return references


REFERENCES = random_references(300)


def substitutions(reference: str) -> list[str]:
    return [
        reference[:i] + digit + reference[i + 1 :]
        for i in range(len(reference))
        for digit in "0123456789"
        if digit != reference[i]
    ]


def adjacent_transpositions(reference: str) -> list[str]:
    return [
        reference[:i] + reference[i + 1] + reference[i] + reference[i + 2 :]
        for i in range(len(reference) - 1)
        if reference[i] != reference[i + 1]
    ]


# --- the check digit -------------------------------------------------------------------------


def test_the_check_digit_of_572_is_4_as_in_the_published_example() -> None:
    assert damm_digit("572") == 4


def test_a_number_followed_by_its_check_digit_checks_to_zero() -> None:
    assert damm_digit("5724") == 0
    assert damm_digit("5725") != 0


def test_the_check_digit_of_nothing_is_zero() -> None:
    assert damm_digit("") == 0


def test_a_reference_is_eight_ascii_digits_whose_check_digit_holds() -> None:
    assert LENGTH == 8
    assert is_valid(VALID)
    assert all(is_valid(reference) for reference in REFERENCES)


@pytest.mark.parametrize(
    "text",
    [
        "5724",  # checks, but is not 8 digits long
        "572400000",  # 9 digits
        "57240001",  # wrong check digit
        "5724 0000",  # spaces must be compacted first
        "٥٧٢٤٠٠٠٠",  # Arabic-Indic digits must be normalised first
        "",
        "abcdefgh",
    ],
)
def test_anything_else_is_not_a_valid_reference(text: str) -> None:
    assert not is_valid(text)


def test_every_single_digit_mistake_is_detected() -> None:
    missed = [
        (reference, typo)
        for reference in REFERENCES
        for typo in substitutions(reference)
        if is_valid(typo)
    ]
    assert missed == []


def test_every_swap_of_two_neighbouring_digits_is_detected() -> None:
    missed = [
        (reference, swap)
        for reference in REFERENCES
        for swap in adjacent_transpositions(reference)
        if is_valid(swap)
    ]
    assert missed == []


def test_the_mistake_checks_really_exercise_every_position() -> None:
    # 8 positions x 9 wrong digits, and at least some swaps for each reference
    assert len(substitutions(VALID)) == 72
    assert len(adjacent_transpositions("12345678")) == 7


# --- new references ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def draws() -> list[str]:
    return [generate() for _ in range(10_000)]


def test_a_new_reference_is_eight_ascii_digits_with_a_valid_check_digit(
    draws: list[str],
) -> None:
    assert all(len(r) == 8 and r.isascii() and r.isdigit() and is_valid(r) for r in draws)


def test_new_references_keep_their_leading_zeros(draws: list[str]) -> None:
    assert any(r.startswith("0") for r in draws)


def test_new_references_almost_never_repeat(draws: list[str]) -> None:
    # 10,000 draws from 10 million bodies: about 5 repeats are expected by chance alone
    assert len(set(draws)) > 9_950


def test_new_references_are_not_sequential(draws: list[str]) -> None:
    bodies = [int(r[:7]) for r in draws]
    steps_of_one = sum(1 for a, b in zip(bodies, bodies[1:], strict=False) if b - a == 1)
    assert steps_of_one == 0
    assert bodies != sorted(bodies)


def test_every_digit_of_a_new_reference_varies(draws: list[str]) -> None:
    for position in range(8):
        assert {r[position] for r in draws} == set("0123456789")


# --- what people type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "57240000",
        "5724 0000",
        " 5724 0000 ",
        "5724-0000",
        "5724–0000",  # en dash, as phones autocorrect
        "57 24 00 00",
        "5724.0000",
        "٥٧٢٤٠٠٠٠",  # Arabic-Indic
        "٥٧٢٤ ٠٠٠٠",
        "۵۷۲۴-۰۰۰۰",  # Persian, as Kurdish keyboards write them
        "5724\n0000",
    ],
)
def test_a_reference_written_with_spaces_dashes_or_other_digits_compacts_to_ascii(
    typed: str,
) -> None:
    assert compact(typed) == VALID
    assert looks_like_reference(typed)


@pytest.mark.parametrize("typed", ["menu", "3", "12", "hello 5724", "1234567890123", ""])
def test_words_short_numbers_and_long_numbers_do_not_look_like_a_reference(typed: str) -> None:
    assert not looks_like_reference(typed)


@pytest.mark.parametrize(
    "message",
    [
        "My reference is 5724 0000, thank you",
        "ref: 5724-0000.",
        "رقمي المرجعي ٥٧٢٤٠٠٠٠ شكراً",
        "ژمارەکەم ۵۷۲۴ ۰۰۰۰ە",
        "(57240000)",
        "57240000",
    ],
)
def test_a_reference_is_found_inside_a_sentence(message: str) -> None:
    assert find_valid(message) == [VALID]


def test_a_reference_with_a_wrong_check_digit_is_not_found() -> None:
    assert find_valid("my reference is 5724 0001") == []


def test_every_valid_reference_in_a_message_is_found_once_in_order() -> None:
    first, second = REFERENCES[0], REFERENCES[1]
    message = f"{spaced(second)} and {first}, again {second}"
    assert find_valid(message) == [second, first]


def test_digits_inside_a_longer_number_are_not_taken_for_a_reference() -> None:
    longer = "9" + VALID + "9"
    assert find_valid(f"call {longer}") == []
    assert find_valid(f"account {VALID}1") == []


@pytest.mark.parametrize("phone", ["+964 770 123 4567", "0770 123 4567", "07701234567"])
def test_an_iraqi_phone_number_is_not_taken_for_a_reference(phone: str) -> None:
    assert find_valid(f"my number is {phone}") == []


def test_a_message_without_digits_holds_no_reference() -> None:
    assert find_valid("where is my son?") == []


# --- reading a reference out -------------------------------------------------------------------


def test_a_reference_is_shown_as_two_groups_of_four() -> None:
    assert spaced("48219930") == "4821 9930"


def test_a_spaced_reference_reads_back_as_the_same_reference() -> None:
    for reference in REFERENCES[:50]:
        assert compact(spaced(reference)) == reference
        assert find_valid(f"reference {spaced(reference)} please") == [reference]


def _draws(monkeypatch: pytest.MonkeyPatch, *references: str) -> None:
    drawn = iter(references)
    monkeypatch.setattr(reference_module, "generate", lambda: next(drawn))


def _new_ticket(session: Session, phone: str, **answers: str) -> Ticket:
    identity = get_or_create_identity(session, channel="sms", address=phone)
    return create_ticket(
        session, identity=identity, category="tracing", language="ar", answers=answers
    )


def test_a_reference_already_taken_is_drawn_again(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ccc.session() as session:
        _draws(monkeypatch, "10000001", "10000001", "20000002")
        first = _new_ticket(session, "+9647701111111")
        second = _new_ticket(session, "+9647702222222", missing_name="أحمد")
        session.commit()
        assert (first.reference, second.reference) == ("10000001", "20000002")
        assert second.search_text == "احمد"  # written at the commit, as for any new ticket
        stored = session.exec(select(Ticket.reference).order_by(Ticket.id)).all()
    assert stored == ["10000001", "20000002"]


def test_when_every_draw_is_taken_no_ticket_is_made(
    ccc: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ccc.session() as session:
        _draws(monkeypatch, *["10000001"] * (REFERENCE_TRIES + 1))
        _new_ticket(session, "+9647701111111")
        with pytest.raises(RuntimeError, match="free reference"):
            _new_ticket(session, "+9647702222222")
