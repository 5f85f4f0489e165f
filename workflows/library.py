"""Where the flow, prompt, rule and calendar files are, loaded once and checked as a whole."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from workflows.calendars import Calendar, load_calendars, parse_calendars
from workflows.flow import Flow, load_flow, parse_flow
from workflows.prompts import Catalogue, check_catalogue, load_catalogue, parse_prompts
from workflows.rules import RuleBook, load_rules, parse_rules
from workflows.yamlfile import Problem, load

PACKAGE_DIR = Path(__file__).resolve().parent


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
    flow = load_flow(directory / "flows" / "default.yaml")
    return Library(
        flow=flow,
        prompts=load_catalogue(directory / "prompts", flow),
        rules=load_rules(directory / "rules" / "routing.yaml"),
        calendars=load_calendars(_calendars_file(directory)),
    )


def _calendars_file(directory: Path) -> Path:
    """A folder without its own calendars uses CCC's, so older workflow folders keep loading."""
    own = directory / "calendars.yaml"
    return own if own.exists() else PACKAGE_DIR / "calendars.yaml"


def check_paths(paths: list[Path]) -> list[Problem]:
    """Problems in the given files or folders (all of CCC's own files when none are given)."""
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
    if isinstance(data, dict) and "rules" in data:
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


_configured: Path = PACKAGE_DIR


def configure(directory: Path) -> None:
    """Point the running process at a folder of workflow files (checked now)."""
    global _configured
    get_library(directory)
    _configured = directory


def current() -> Library:
    return get_library(_configured)
