"""The core owns the channel port and never reaches into an adapter: only the composition root
(`ccc/api/wiring.py`) knows `bots/`. Checked on the source, so a lazy import inside a function
counts too."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSITION_ROOT = ROOT / "ccc" / "api" / "wiring.py"


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def modules_importing(package: str, forbidden: str) -> list[str]:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path == COMPOSITION_ROOT:
            continue
        if any(m == forbidden or m.startswith(f"{forbidden}.") for m in imported_modules(path)):
            offenders.append(str(path.relative_to(ROOT)))
    return offenders


def test_no_core_module_but_the_composition_root_imports_an_adapter() -> None:
    assert modules_importing("ccc", "bots") == []


def test_the_flows_know_nothing_of_channels_adapters() -> None:
    assert modules_importing("workflows", "bots") == []


def test_the_composition_root_really_is_where_adapters_are_wired() -> None:
    assert any(m.startswith("bots.") for m in imported_modules(COMPOSITION_ROOT))


def test_the_check_itself_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from bots.twilio import sender\n", encoding="utf-8")
    assert "bots.twilio" in imported_modules(module)
