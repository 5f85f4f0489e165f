"""The engine's commands of `ccc`: `ccc workflows check [PATH...]` (the data files, with
`file:line` problems and what each prompt costs as an SMS) and `ccc voice prompts` (what to
record for the toll-free line). `ccc/cli.py` receives them from the composition root."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from ccc.access.models import Team
from ccc.kernel.db import make_engine
from ccc.kernel.settings import get_settings
from workflows.files.library import check_paths, resolve_dir
from workflows.files.segments import folders, report
from workflows.ivr import cli as ivr_cli


def add_commands(commands: Any) -> None:
    workflows = commands.add_parser("workflows", help="flow and rule files").add_subparsers(
        metavar="ACTION"
    )
    check = workflows.add_parser("check", help="validate flow, prompt and rule files")
    check.add_argument("paths", nargs="*", type=Path)
    check.set_defaults(run=_workflows_check)
    ivr_cli.add_commands(commands)


def _workflows_check(args: argparse.Namespace) -> int:
    paths = list(args.paths) or [resolve_dir(get_settings().workflows_dir)]
    problems = check_paths(paths, teams=_known_teams())
    for problem in problems:
        print(problem)
    for folder in folders(list(args.paths), resolve_dir(get_settings().workflows_dir)):
        for line in report(folder):
            print(line)
    if problems:
        return 1
    print("ok")
    return 0


def _known_teams() -> set[str] | None:
    """The teams of the configured database, to check the rules' team names; None when there is
    no database with teams yet (a check before installing must not fail for that)."""
    try:
        engine = make_engine(get_settings().database_url)
        with Session(engine) as session:
            slugs = set(session.exec(select(Team.slug)).all())
        engine.dispose()
    except Exception:
        return None
    return slugs or None
