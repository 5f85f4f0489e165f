"""The SLA policies of the rulebook reach the core only through the composition root: importing
an engine module changes no global of the core (a test, a CLI command or a tool importing it
alone sees the built-in policy)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SHOW_POLICY = (
    "from ccc.sla import policy\n"
    "found = policy.policies()\n"
    "print(type(found).__module__, type(found).__name__)\n"
)


def policy_after(setup: str) -> str:
    """In a fresh interpreter, so no earlier test's start-up has installed anything."""
    done = subprocess.run(
        [sys.executable, "-c", setup + "\n" + SHOW_POLICY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_rules_engine_leaves_the_core_policy_unset() -> None:
    setup = "import workflows.rules.engine, workflows.rules.actions, workflows.binding"
    assert policy_after(setup) == "ccc.sla.policy BuiltIn"


def test_the_composition_root_installs_the_rulebooks_policies() -> None:
    setup = "from ccc.api.wiring import bootstrap\nbootstrap()"
    assert policy_after(setup) == "workflows.calendars.sla Policies"
