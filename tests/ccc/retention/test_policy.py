"""`retention.yaml`: periods per kind, per category and sensitivity, checked with file:line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from ccc.retention.policy import Kind, PolicyError, check, load, parse_duration
from workflows.files.library import PACKAGE_DIR, check_paths

GOOD = """\
retention:
  tickets:
    default: 2y
    category: {complaint: 3y}
    sensitivity: {restricted: keep}
  recordings: 90d
  calls: 52w
  conversations: 90d
  contacts: 2y
  audit: 5y
  deliveries: keep
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "retention.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_is_valid_and_keeps_recordings_90_days() -> None:
    policy = load(PACKAGE_DIR / "retention.yaml")
    assert policy.period(Kind.recordings).default == timedelta(days=90)
    tickets = policy.period(Kind.tickets)
    assert tickets.for_ticket(category="tracing", sensitivity="normal") == timedelta(days=730)
    assert tickets.for_ticket(category="complaint", sensitivity="normal") == timedelta(days=1095)
    # the longer of the category's and the sensitivity's period holds
    assert tickets.for_ticket(category="complaint", sensitivity="restricted") == timedelta(
        days=1825
    )


def test_periods_per_category_and_sensitivity_and_keep(tmp_path: Path) -> None:
    policy = load(write(tmp_path, GOOD))
    tickets = policy.period(Kind.tickets)
    assert tickets.for_ticket(category="tracing", sensitivity="restricted") is None
    assert tickets.shortest() == timedelta(days=730)
    assert policy.period(Kind.calls).default == timedelta(weeks=52)
    assert policy.period(Kind.deliveries).default is None


@pytest.mark.parametrize("text", ["0d", "3m", "2 years", "", "-1d"])
def test_a_period_is_days_weeks_or_years(text: str) -> None:
    with pytest.raises(ValueError, match="90d, 12w, 2y, or keep"):
        parse_duration(text)


def test_each_problem_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD.replace("recordings: 90d", "recordings: 90 days")
        .replace("complaint: 3y", "compliant: 3y")
        .replace("calls: 52w", "calls: {default: 1y}")
        + "  messages: 1y\n",
    )
    problems = [str(p) for p in check(path)[1]]
    assert problems == [
        f"{path}:4: unknown category 'compliant' (assistance, complaint, detention, feedback, "
        "information, other, tracing)",
        f"{path}:6: '90 days' is not a period: write it as 90d, 12w, 2y, or keep",
        f"{path}:7: calls takes one period (like 90d)",
        f"{path}:12: unknown kind of record 'messages' (one of tickets, recordings, calls, "
        "conversations, contacts, audit, deliveries)",
    ]
    with pytest.raises(PolicyError):
        load(path)
    assert [str(p) for p in check_paths([path])] == problems


def test_a_missing_kind_must_be_written_out(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("  audit: 5y\n", ""))
    assert [str(p) for p in check(path)[1]] == [f"{path}:1: no period for audit (write keep)"]
    assert [str(p) for p in check(write(tmp_path, "retention: 5\n"))[1]] == [
        f"{path}:1: retention must be a mapping"
    ]
