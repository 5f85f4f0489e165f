"""Where the flow, prompt, rule and calendar files are, loaded once and checked as a whole."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ccc.retention import policy as retention
from workflows.calendars.hours import Calendar, load_calendars, parse_calendars
from workflows.files import reload
from workflows.files.flow import Flow, load_flow, parse_flow
from workflows.files.prompts import Catalogue, check_catalogue, load_catalogue, parse_prompts
from workflows.files.reload import forget, watched
from workflows.files.rulebook import RuleBook, load_rules, parse_rules
from workflows.files.yamlfile import LoadError, Problem, load

PACKAGE_DIR = Path(__file__).resolve().parent.parent / "data"
RULE_KEYS = frozenset({"rules", "sla", "words", "templates"})


@dataclass(frozen=True)
class Library:
    flow: Flow
    prompts: Catalogue
    rules: RuleBook
    calendars: dict[str, Calendar]


def resolve_dir(configured: str | None) -> Path:
    return Path(configured).resolve() if configured else PACKAGE_DIR


@lru_cache(maxsize=8)
def get_library(directory: Path = PACKAGE_DIR) -> Library:
    return _build(directory)


def _build(directory: Path) -> Library:
    flow = load_flow(directory / "flows" / "default.yaml")
    calendars = load_calendars(_calendars_file(directory))
    return Library(
        flow=flow,
        prompts=load_catalogue(directory / "prompts", flow),
        rules=load_rules(directory / "rules", calendars),
        calendars=calendars,
    )


def _calendars_file(directory: Path) -> Path:
    """A folder without its own calendars uses CCC's, so older workflow folders keep loading."""
    own = directory / "calendars.yaml"
    return own if own.exists() else PACKAGE_DIR / "calendars.yaml"


def check_paths(paths: list[Path], teams: set[str] | None = None) -> list[Problem]:
    """Problems in the given files or folders (all of CCC's own files when none are given).
    With `teams` (the slugs in the database), rules naming another team are reported too."""
    if not paths:
        paths = [PACKAGE_DIR]
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*.y*ml") if p.suffix in {".yaml", ".yml"})
        elif path.exists():
            files.append(path)
        else:
            problems.append(Problem(str(path), 1, "no such file or folder"))
    for file in files:
        problems += _check_file(file)
        if teams is not None and file.parent.name == "rules":
            problems += unknown_teams(file, teams)
    # A prompt file is read alone and again for the flow that uses it: report each problem once.
    return list(dict.fromkeys(problems))


def _check_file(path: Path) -> list[Problem]:
    data, problems = load(path)
    if problems:
        return problems
    if isinstance(data, dict):
        for is_kind, check in _KINDS:
            if is_kind(data):
                return check(path, data)
    kinds = (
        "a flow (steps), rules (rules), prompts (prompts), calendars (calendars) "
        "or retention (retention) file"
    )
    return [Problem(str(path), 1, f"not {kinds}")]


def _check_flow(path: Path, data: dict[str, Any]) -> list[Problem]:
    """A flow is checked with the prompts beside it, or with the shipped ones when it has none
    (a flow written alone is still told which prompts it lacks)."""
    flow, problems = parse_flow(data, str(path))
    if flow is None:
        return problems
    prompts_dir = path.parent.parent / "prompts"
    if not prompts_dir.is_dir():
        prompts_dir = PACKAGE_DIR / "prompts"
    return check_catalogue(prompts_dir, flow)[1]


def _check_rules(path: Path, data: dict[str, Any]) -> list[Problem]:
    """The files of a rules folder are one set (a word list may live in another file): the
    whole folder is loaded and this file answers for its own lines. Elsewhere it stands alone."""
    if path.parent.name != "rules":
        return parse_rules(data, str(path))[1]
    try:
        load_rules(path.parent)
    except LoadError as refused:
        return [p for p in refused.problems if p.path == str(path)]
    return []


def _check_retention(path: Path, data: dict[str, Any]) -> list[Problem]:
    """Read again by the retention policy's own reader, its problems as the library's."""
    return [Problem(p.path, p.line, p.message) for p in retention.check(path)[1]]


def _check_prompts(path: Path, data: dict[str, Any]) -> list[Problem]:
    """A prompt file alone is still checked against the flow that uses it, once its own problems
    are fixed and when that flow is there (a broken flow is reported instead)."""
    problems = parse_prompts(data, str(path))[3]
    flow_file = path.parent.parent / "flows" / "default.yaml"
    if problems or not flow_file.exists():
        return problems
    flow, flow_problems = parse_flow(load(flow_file)[0], str(flow_file))
    if flow is None:
        return flow_problems
    found = check_catalogue(path.parent, flow)[1]
    return [problem for problem in found if problem.path == str(path)]


# Each kind of file: (is the document this kind?, its check), tried in this order.
_KINDS: tuple[
    tuple[Callable[[dict[str, Any]], bool], Callable[[Path, dict[str, Any]], list[Problem]]], ...
] = (
    (lambda data: "steps" in data, _check_flow),
    # A prompt file has `words:` too (yes/no and number words): `prompts` tells them apart.
    (lambda data: "prompts" not in data and bool(set(data) & RULE_KEYS), _check_rules),
    (lambda data: "calendars" in data, lambda path, data: parse_calendars(data, path)[1]),
    (lambda data: "retention" in data, _check_retention),
    (lambda data: "prompts" in data, _check_prompts),
)


def unknown_teams(path: Path, teams: set[str]) -> list[Problem]:
    try:
        book = load_rules(path)
    except LoadError:
        return []  # already reported
    problems = []
    for rule in book.rules:
        named = [(a.line, a.value) for a in rule.actions if a.kind == "team"]
        named += [(a.line, a.value.get("team")) for a in rule.actions if a.kind == "assign"]
        wanted = rule.when.get("team")
        for slug in wanted if isinstance(wanted, list) else [wanted]:
            named.append((rule.line, slug))
        for line, slug in named:
            if slug is not None and slug not in teams:
                problems.append(Problem(str(path), line, f"{rule.name}: unknown team {slug!r}"))
    return problems


_configured: Path = PACKAGE_DIR
reload.use(_build, on_reload=get_library.cache_clear)


def configure(directory: Path) -> None:
    """Point the running process at a folder of workflow files (checked now)."""
    global _configured
    forget(directory)  # configured anew: read the files as they are now
    watched(directory)
    _configured = directory


def configured_dir() -> Path:
    return _configured


def current() -> Library:
    """The workflow files in force: reloaded when they change on disk, the last good set kept
    when the new one has a problem (see `workflows/files/reload.py`)."""
    library: Library = watched(_configured)
    return library
