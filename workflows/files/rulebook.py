"""Rules and SLA policies as data: the files of `rules/`, read and checked as one set.

A rules file may hold `words` (named word lists), `templates` (messages in the four
languages), `rules` (on / when / then / stop, run in file order) and `sla` (the policies of
`workflows/calendars/sla.py`). The files of a folder are read in name order and make one
`RuleBook`; a problem anywhere refuses the whole set. `docs/rules.md` is the supervisors'
guide to the format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from workflows.calendars.hours import ALWAYS, Calendar, load_calendars
from workflows.calendars.sla import Policies, parse_duration, parse_sla
from workflows.chatbot.words import WordList
from workflows.files.yamlfile import LineDict, LoadError, Problem, load
from workflows.rules.actions import Action, parse_then
from workflows.rules.conditions import LANGUAGES, Context, Test, parse_when

EVENTS = (
    "ticket.created",
    "message.received",
    "ticket.updated",
    "ticket.idle",
    "sla.warning",
    "sla.breached",
    "referral.overdue",
)
_RULE_KEYS = ("name", "on", "idle", "when", "then", "stop")
_FILE_KEYS = ("words", "templates", "suggestions", "rules", "sla")
# Statuses a ticket can have when each event fires, to find rules that can never match.
_POSSIBLE = {
    "ticket.created": {"new"},
    "sla.warning": {"new", "open", "referred"},
    "sla.breached": {"new", "open", "referred"},
    "ticket.idle": {"new", "open", "referred", "pending"},
}


@dataclass(frozen=True)
class Rule:
    name: str
    line: int
    events: frozenset[str]
    when: dict[str, Any]
    test: Test
    actions: tuple[Action, ...]
    stop: bool = False
    idle: timedelta | None = None
    path: str = ""


@dataclass(frozen=True)
class Suggestion:
    """Free text at the main menu that holds one of these words suggests a menu option."""

    words: WordList
    option: str
    template: str


@dataclass(frozen=True)
class RuleBook:
    rules: tuple[Rule, ...] = ()
    words: dict[str, WordList] = field(default_factory=dict)
    templates: dict[str, dict[str, str]] = field(default_factory=dict)
    sla: Policies = field(default_factory=Policies)
    suggestions: tuple[Suggestion, ...] = ()

    def on(self, event: str) -> list[Rule]:
        return [rule for rule in self.rules if event in rule.events]


def default_calendars(path: Path) -> dict[str, Calendar]:
    own = path.parent.parent / "calendars.yaml"
    if own.exists():
        try:
            return load_calendars(own)
        except LoadError:
            pass
    from workflows.files.library import PACKAGE_DIR

    return load_calendars(PACKAGE_DIR / "calendars.yaml")


def load_rules(path: Path, calendars: dict[str, Calendar] | None = None) -> RuleBook:
    """One file, or every `*.yaml` of a folder in name order; LoadError lists every problem."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    calendars = calendars if calendars is not None else default_calendars(files[0])
    documents = []
    problems: list[Problem] = []
    for file in files:
        data, found = load(file)
        problems += found
        documents.append((data, str(file)))
    if problems:
        raise LoadError(problems)
    book, problems = parse_documents(documents, calendars)
    if book is None:
        raise LoadError(problems)
    return book


def parse_rules(
    data: Any, name: str, calendars: dict[str, Calendar] | None = None
) -> tuple[RuleBook | None, list[Problem]]:
    return parse_documents([(data, name)], calendars or default_calendars(Path(name)))


def parse_documents(
    documents: list[tuple[Any, str]], calendars: dict[str, Calendar]
) -> tuple[RuleBook | None, list[Problem]]:
    problems: list[Problem] = []
    ctx = Context("", {}, {ALWAYS.name: ALWAYS, **calendars}, problems)
    templates: dict[str, dict[str, str]] = {}
    policies: Policies | None = None
    # Word lists and templates first, from every file, so a rule may use one from another file.
    for data, name in documents:
        ctx.path, ctx.label = name, "file"
        if not isinstance(data, LineDict):
            problems.append(
                Problem(name, 1, "a rules file is a mapping: words, templates, rules, sla")
            )
            continue
        for key in data:
            if key not in _FILE_KEYS:
                problems.append(Problem(name, data.line_of(key), f"unknown key {key!r}"))
        ctx.words.update(_words(data.get("words", {}), data.line_of("words"), ctx))
        templates.update(_templates(data.get("templates", {}), data.line_of("templates"), ctx))
    rules: list[Rule] = []
    suggestions: list[Suggestion] = []
    for data, name in documents:
        if not isinstance(data, LineDict):
            continue
        ctx.path, ctx.label = name, "suggestions"
        suggestions += _suggestions(
            data.get("suggestions", []), data.line_of("suggestions"), ctx, templates
        )
        if "sla" in data:
            ctx.label = "sla"
            if policies is not None:
                ctx.report(data.line_of("sla"), "SLA policies are already given in another file")
            policies = parse_sla(data["sla"], data.line_of("sla"), ctx)
        raw_rules = data.get("rules", [])
        if not isinstance(raw_rules, list):
            problems.append(Problem(name, data.line_of("rules"), "'rules' must be a list"))
            continue
        for index, raw in enumerate(raw_rules):
            rule = _rule(raw, index, data.line_of("rules"), ctx, templates)
            if rule is not None:
                rules.append(rule)
    _check_names(rules, ctx)
    _check_overridden_teams(rules, ctx)
    if problems:
        return None, problems
    policies = policies or Policies(calendars=ctx.calendars)
    return RuleBook(tuple(rules), dict(ctx.words), templates, policies, tuple(suggestions)), []


def _suggestions(
    raw: Any, line: int, ctx: Context, templates: dict[str, dict[str, str]]
) -> list[Suggestion]:
    if not isinstance(raw, list):
        ctx.report(line, "'suggestions' is a list of {words, option, template}")
        return []
    found = []
    for item in raw:
        item_line = getattr(item, "line", line)
        if not isinstance(item, dict) or set(item) != {"words", "option", "template"}:
            ctx.report(item_line, "a suggestion is {words, option, template}")
            continue
        if item["words"] not in ctx.words:
            ctx.report(item_line, f"unknown word list {item['words']!r}")
        elif item["template"] not in templates:
            ctx.report(item_line, f"unknown template {item['template']!r}")
        else:
            words = ctx.words[item["words"]]
            found.append(Suggestion(words, str(item["option"]), str(item["template"])))
    return found


def _check_names(rules: list[Rule], ctx: Context) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            ctx.label = rule.name
            ctx.report(rule.line, "another rule has the same name; timelines name rules")
        seen.add(rule.name)


def _check_overridden_teams(rules: list[Rule], ctx: Context) -> None:
    """A team set on a new ticket and always replaced by a later catch-all rule never takes
    effect: the mark of a file written when the first matching rule won, without `stop`."""
    for index, rule in enumerate(rules):
        if rule.stop or not _sets_team_on_creation(rule):
            continue
        for later in rules[index + 1 :]:
            if later.when or not _sets_team_on_creation(later):
                continue
            message = (
                f"{rule.name}: its team is always replaced by {later.name!r} below; add "
                "'stop: true' (rules no longer stop at the first match)"
            )
            ctx.problems.append(Problem(rule.path, rule.line, message))
            break


def _sets_team_on_creation(rule: Rule) -> bool:
    return "ticket.created" in rule.events and any(a.kind == "team" for a in rule.actions)


def _words(raw: Any, line: int, ctx: Context) -> dict[str, WordList]:
    if not isinstance(raw, dict):
        ctx.report(line, "'words' maps a list's name to its words")
        return {}
    lists = {}
    for name, words in raw.items():
        word_line = raw.line_of(name) if isinstance(raw, LineDict) else line
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            ctx.report(word_line, f"word list {name!r} must be a list of words")
            continue
        found = WordList(words)
        if not len(found):
            ctx.report(word_line, f"word list {name!r} has no word that can match")
            continue
        lists[str(name)] = found
    return lists


def _templates(raw: Any, line: int, ctx: Context) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        ctx.report(line, "'templates' maps a template's name to its text in each language")
        return {}
    found = {}
    for name, texts in raw.items():
        text_line = raw.line_of(name) if isinstance(raw, LineDict) else line
        if not isinstance(texts, dict):
            ctx.report(text_line, f"template {name!r} maps ar, ckb, kmr and en to texts")
            continue
        for language in LANGUAGES:
            if not isinstance(texts.get(language), str) or not texts[language].strip():
                ctx.report(text_line, f"template {name!r} has no text in {language!r}")
        for language in texts:
            if language not in LANGUAGES:
                ctx.report(text_line, f"template {name!r}: unknown language {language!r}")
        found[str(name)] = {k: str(v) for k, v in texts.items()}
    return found


def _rule(
    raw: Any, index: int, line: int, ctx: Context, templates: dict[str, dict[str, str]]
) -> Rule | None:
    if not isinstance(raw, LineDict):
        ctx.label = f"rule {index + 1}"
        ctx.report(getattr(raw, "line", line), "a rule must be a mapping")
        return None
    ctx.label = str(raw.get("name", f"rule {index + 1}"))
    before = len(ctx.problems)
    for key in raw:
        if key not in _RULE_KEYS:
            ctx.report(raw.line_of(key), f"unknown key {key!r}; a rule has {', '.join(_RULE_KEYS)}")
    events = _events(raw.get("on", "ticket.created"), raw.line_of("on"), ctx)
    idle = _idle(raw, events, ctx)
    when = raw.get("when", {})
    test = parse_when(when, raw.line_of("when"), ctx)
    actions = parse_then(raw.get("then"), raw.line_of("then"), ctx, templates)
    stop = raw.get("stop", False)
    if not isinstance(stop, bool):
        ctx.report(raw.line_of("stop"), "stop is true or false")
    if isinstance(when, dict):
        _never_matches(when, events, raw.line_of("when"), ctx)
    if len(ctx.problems) > before or test is None or actions is None:
        return None
    return Rule(ctx.label, raw.line, events, dict(when), test, tuple(actions), stop, idle, ctx.path)


def _events(raw: Any, line: int, ctx: Context) -> frozenset[str]:
    names = raw if isinstance(raw, list) else [raw]
    for name in names:
        if name not in EVENTS:
            ctx.report(line, f"unknown event {name!r}; one of {', '.join(EVENTS)}")
    return frozenset(str(name) for name in names)


def _idle(raw: LineDict, events: frozenset[str], ctx: Context) -> timedelta | None:
    if "ticket.idle" not in events:
        if "idle" in raw:
            ctx.report(raw.line_of("idle"), "'idle' is only for rules on ticket.idle")
        return None
    idle = parse_duration(raw.get("idle"))
    if idle is None or idle <= timedelta(0):
        ctx.report(raw.line_of("idle" if "idle" in raw else "on"), "ticket.idle needs 'idle: 48h'")
    return idle


def _never_matches(when: dict[str, Any], events: frozenset[str], line: int, ctx: Context) -> None:
    wanted = when.get("status")
    if wanted is None:
        return
    statuses = set(wanted if isinstance(wanted, list) else [wanted])
    for event in sorted(events):
        possible = _POSSIBLE.get(event)
        if possible is not None and not statuses & possible:
            ctx.report(
                line, f"can never match: a ticket on {event} is never {', '.join(sorted(statuses))}"
            )
