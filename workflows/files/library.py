"""Where the flow, prompt, rule and calendar files are, loaded once and checked as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workflows.calendars.hours import Calendar, load_calendars, parse_calendars
from workflows.files.flow import Flow, load_flow, parse_flow
from workflows.files.prompts import Catalogue, check_catalogue, load_catalogue, parse_prompts
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
    if isinstance(data, dict) and "steps" in data:
        flow, problems = parse_flow(data, str(path))
        if flow is None:
            return problems
        prompts_dir = path.parent.parent / "prompts"
        if not prompts_dir.is_dir():
            prompts_dir = PACKAGE_DIR / "prompts"
        return check_catalogue(prompts_dir, flow)[1]
    # A prompt file has `words:` too (yes/no and number words): `prompts` tells them apart.
    if isinstance(data, dict) and "prompts" not in data and set(data) & RULE_KEYS:
        if path.parent.name == "rules":
            # The files of a rules folder are one set: a word list may live in another file.
            try:
                load_rules(path.parent)
            except LoadError as refused:
                return [p for p in refused.problems if p.path == str(path)]
            return []
        return parse_rules(data, str(path))[1]
    if isinstance(data, dict) and "calendars" in data:
        return parse_calendars(data, path)[1]
    if isinstance(data, dict) and "prompts" in data:
        problems = parse_prompts(data, str(path))[3]
        flow_file = path.parent.parent / "flows" / "default.yaml"
        if problems or not flow_file.exists():
            return problems
        flow, flow_problems = parse_flow(load(flow_file)[0], str(flow_file))
        if flow is None:
            return flow_problems
        # A prompt file alone is still checked against the flow that uses it.
        found = check_catalogue(path.parent, flow)[1]
        return [problem for problem in found if problem.path == str(path)]
    kinds = "a flow (steps), rules (rules), prompts (prompts) or calendars (calendars) file"
    return [Problem(str(path), 1, f"not {kinds}")]


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


def configure(directory: Path) -> None:
    """Point the running process at a folder of workflow files (checked now)."""
    from workflows.files.reload import forget, watched

    global _configured
    forget(directory)  # configured anew: read the files as they are now
    watched(directory)
    _configured = directory


def configured_dir() -> Path:
    return _configured


def current() -> Library:
    """The workflow files in force: reloaded when they change on disk, the last good set kept
    when the new one has a problem (see `workflows/files/reload.py`)."""
    from workflows.files.reload import watched

    library: Library = watched(_configured)
    return library
