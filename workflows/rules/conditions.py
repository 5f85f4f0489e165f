"""The `when` of a rule: parsed once into a test over the facts of one event.

Every condition a supervisor may write is here, with the check that `ccc workflows check`
reports at its line. A condition is compiled to a plain function, so evaluating a rule set is a
loop of calls, and a rule that can never match (an empty `any`, `not` of nothing) is found when
the file is read, not when a ticket fails to route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ccc.tickets.models import Category, Priority, Sensitivity, Ticket, TicketStatus
from workflows.calendars.hours import DAYS, Calendar
from workflows.chatbot.words import WordList, normalise
from workflows.files.yamlfile import LineDict, Problem

Test = Callable[["Facts"], bool]
LANGUAGES = ("ar", "ckb", "kmr", "en")
CHANNELS = ("sms", "whatsapp", "telegram", "voice", "simulator")
_ENUMS: dict[str, tuple[str, ...]] = {
    "category": tuple(c.value for c in Category),
    "priority": tuple(p.value for p in Priority),
    "sensitivity": tuple(s.value for s in Sensitivity),
    "status": tuple(s.value for s in TicketStatus),
    "language": LANGUAGES,
    "channel": CHANNELS,
}
KEYS = (*_ENUMS, "team", "governorate", "answers", "words", "history", "time", "any", "all", "not")


@dataclass(frozen=True)
class Other:
    """Another ticket of the same contact, as the history conditions and `link` see it."""

    id: int
    reference: str
    category: str
    status: str
    created_at: datetime
    answers: dict[str, Any]


@dataclass
class Facts:
    """What one evaluation knows: the ticket, the event, its text, and lazily, its history."""

    ticket: Ticket
    event: str
    now: datetime
    text: str = ""
    team: str | None = None
    history_loader: Callable[[], list[Other]] = list
    _history: list[Other] | None = field(default=None, repr=False)

    @property
    def history(self) -> list[Other]:
        if self._history is None:
            self._history = self.history_loader()
        return self._history

    def searchable(self) -> str:
        """The message and every free-text answer, where words are looked for."""
        answers = [str(v) for v in self.ticket.answers.values() if isinstance(v, str)]
        return "\n".join([self.text, *answers])


@dataclass
class Context:
    """What parsing needs: the file, the word lists and calendars a condition may name."""

    path: str
    words: dict[str, WordList]
    calendars: dict[str, Calendar]
    problems: list[Problem]
    label: str = ""

    def report(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, f"{self.label}: {message}"))


def _values(raw: Any) -> list[Any]:
    return list(raw) if isinstance(raw, list) else [raw]


def parse_when(raw: Any, line: int, ctx: Context) -> Test | None:
    """A mapping of conditions that must all hold; None (and problems) when it is wrong."""
    if raw is None or raw == {}:
        return lambda _facts: True
    if not isinstance(raw, dict):
        ctx.report(line, "'when' must be a mapping of conditions")
        return None
    tests: list[Test] = []
    ok = True
    for key, value in raw.items():
        key_line = raw.line_of(key) if isinstance(raw, LineDict) else line
        test = _parse_one(key, value, key_line, ctx)
        if test is None:
            ok = False
        else:
            tests.append(test)
    if not ok:
        return None
    return lambda facts: all(test(facts) for test in tests)


def _parse_one(key: str, value: Any, line: int, ctx: Context) -> Test | None:
    if key in _ENUMS:
        return _enum_test(key, value, line, ctx)
    parsers: dict[str, Callable[[Any, int, Context], Test | None]] = {
        "team": _team_test,
        "governorate": lambda v, ln, c: _answers_test({"governorate": v}, ln, c),
        "answers": _answers_test,
        "words": _words_test,
        "history": _history_test,
        "time": _time_test,
        "any": _any_test,
        "all": _all_test,
        "not": _not_test,
    }
    parser = parsers.get(key)
    if parser is None:
        ctx.report(line, f"cannot match on {key!r}")
        return None
    return parser(value, line, ctx)


def _enum_test(key: str, value: Any, line: int, ctx: Context) -> Test | None:
    wanted = _values(value)
    unknown = [v for v in wanted if v not in _ENUMS[key]]
    if unknown or not wanted:
        ctx.report(line, f"unknown {key} {unknown[0] if unknown else value!r}")
        return None
    allowed = frozenset(wanted)
    return lambda facts: getattr(facts.ticket, key) in allowed


def _team_test(value: Any, line: int, ctx: Context) -> Test | None:
    wanted = frozenset(str(v) for v in _values(value))
    return lambda facts: facts.team in wanted


def _answers_test(value: Any, line: int, ctx: Context) -> Test | None:
    if not isinstance(value, dict) or not value:
        ctx.report(line, "'answers' must be a mapping of answer names to values")
        return None
    wanted = {key: frozenset(str(v) for v in _values(raw)) for key, raw in value.items()}

    def test(facts: Facts) -> bool:
        answers = facts.ticket.answers
        return all(str(answers.get(key)) in values for key, values in wanted.items())

    return test


def _words_test(value: Any, line: int, ctx: Context) -> Test | None:
    names = _values(value)
    unknown = [n for n in names if n not in ctx.words]
    if unknown or not names:
        ctx.report(line, f"unknown word list {unknown[0] if unknown else value!r}")
        return None
    lists = [ctx.words[n] for n in names]
    return lambda facts: any(words.matches(facts.searchable()) for words in lists)


_HISTORY_KEYS = ("open", "days", "at_least", "same_category", "same_answer")


def _history_test(value: Any, line: int, ctx: Context) -> Test | None:
    """`open: N` other open tickets, or `at_least: N` within `days: D`; `same_category` and
    `same_answer: KEY` narrow which of the contact's other tickets count."""
    if not isinstance(value, dict) or not value:
        ctx.report(line, "'history' must be a mapping, e.g. {open: 1, same_category: true}")
        return None
    for key in value:
        if key not in _HISTORY_KEYS:
            ctx.report(line, f"history cannot count {key!r}; use {', '.join(_HISTORY_KEYS)}")
            return None
    numbers = [value.get(k) for k in ("open", "days", "at_least") if k in value]
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in numbers):
        ctx.report(line, "history counts and days must be whole numbers")
        return None
    if "open" not in value and "days" not in value:
        ctx.report(line, "history needs 'open' or 'days'")
        return None
    same = _same(value)

    def test(facts: Facts) -> bool:
        others = [o for o in facts.history if same(facts.ticket, o)]
        if "open" in value:
            live = [o for o in others if o.status not in ("resolved", "closed")]
            if len(live) < value["open"]:
                return False
        if "days" in value:
            since = facts.now - timedelta(days=value["days"])
            recent = [o for o in others if o.created_at >= since]
            if len(recent) < value.get("at_least", 1):
                return False
        return True

    return test


def _same(value: dict[str, Any]) -> Callable[[Ticket, Other], bool]:
    """Whether another ticket counts as the same request (category, and a normalised answer)."""
    category = bool(value.get("same_category"))
    answer = value.get("same_answer")

    def same(ticket: Ticket, other: Other) -> bool:
        if category and other.category != ticket.category:
            return False
        if answer:
            mine = normalise(str(ticket.answers.get(answer, ""))).strip()
            return bool(mine) and mine == normalise(str(other.answers.get(answer, ""))).strip()
        return True

    return same


def same_request(value: dict[str, Any]) -> Callable[[Ticket, Other], bool]:
    return _same(value)


_TIME_KEYS = ("calendar", "open", "days", "hours")


def _time_test(value: Any, line: int, ctx: Context) -> Test | None:
    """`{calendar: centre, open: false}`, `{days: [fri, sat]}`, `{hours: "16:00-24:00"}`: days
    and hours in the calendar's timezone (the centre's when none is named)."""
    if not isinstance(value, dict) or not value:
        ctx.report(line, "'time' must be a mapping, e.g. {calendar: centre, open: false}")
        return None
    for key in value:
        if key not in _TIME_KEYS:
            ctx.report(line, f"time cannot test {key!r}; use {', '.join(_TIME_KEYS)}")
            return None
    name = str(value.get("calendar", "centre"))
    calendar = ctx.calendars.get(name)
    if calendar is None:
        ctx.report(line, f"unknown calendar {name!r}")
        return None
    days = [str(d) for d in _values(value.get("days", []))]
    if any(day not in DAYS for day in days):
        ctx.report(line, f"unknown day in {days}; the days are {', '.join(DAYS)}")
        return None
    hours = _hours(value.get("hours"), line, ctx)
    if hours is False:
        return None
    want_open = value.get("open")

    def test(facts: Facts) -> bool:
        local = facts.now.astimezone(calendar.zone)
        if want_open is not None and calendar.is_open(facts.now) != bool(want_open):
            return False
        if days and DAYS[local.weekday()] not in days:
            return False
        if isinstance(hours, tuple):
            minute = local.hour * 60 + local.minute
            start, end = hours
            return start <= minute < end if start < end else minute >= start or minute < end
        return True

    return test


def _hours(raw: Any, line: int, ctx: Context) -> tuple[int, int] | None | bool:
    if raw is None:
        return None
    try:
        start, end = (part.strip() for part in str(raw).split("-"))
        first = int(start[:2]) * 60 + int(start[3:5])
        last = int(end[:2]) * 60 + int(end[3:5])
        if not (0 <= first <= 1440 and 0 <= last <= 1440) or len(start) != 5 or len(end) != 5:
            raise ValueError
    except ValueError:
        ctx.report(line, f'hours {raw!r} are not "HH:MM-HH:MM"')
        return False
    return first, last


def _group(value: Any, line: int, ctx: Context, word: str) -> list[Test] | None:
    if not isinstance(value, list) or not value:
        ctx.report(line, f"'{word}' needs a list of conditions, and can never match empty")
        return None
    tests = [parse_when(item, getattr(item, "line", line), ctx) for item in value]
    if any(test is None for test in tests):
        return None
    return [test for test in tests if test is not None]


def _any_test(value: Any, line: int, ctx: Context) -> Test | None:
    tests = _group(value, line, ctx, "any")
    return None if tests is None else (lambda facts: any(t(facts) for t in tests))


def _all_test(value: Any, line: int, ctx: Context) -> Test | None:
    tests = _group(value, line, ctx, "all")
    return None if tests is None else (lambda facts: all(t(facts) for t in tests))


def _not_test(value: Any, line: int, ctx: Context) -> Test | None:
    if not isinstance(value, dict) or not value:
        ctx.report(line, "'not' needs a mapping of conditions")
        return None
    inner = parse_when(value, getattr(value, "line", line), ctx)
    return None if inner is None else (lambda facts: not inner(facts))
