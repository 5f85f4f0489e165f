"""What may import what, checked on the source with an AST walk over every import anywhere in a
module (a lazy import inside a function counts too):

- the core (`ccc/`) owns its ports and never reaches into an adapter (`bots/`) or the engine
  (`workflows/`): only the composition root (`ccc/api/wiring.py`) knows them;
- adapters take their dependencies from `ccc.kernel`, never from the composition root's
  package `ccc.api`;
- the engine knows nothing of the channels' adapters;
- no import circle among the project's modules;
- an import of a project module inside a function says why (a `# why:` comment)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMPOSITION_ROOT = ROOT / "ccc" / "api" / "wiring.py"
PACKAGES = ("ccc", "bots", "workflows")


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module an import statement names, at the top or inside a function; `from a import
    b` names `a` and, when `b` is a module of the project, `a.b` too. (The project writes no
    relative imports.)"""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {
                f"{node.module}.{alias.name}"
                for alias in node.names
                if _is_module(root, f"{node.module}.{alias.name}")
            }
    return found


def _is_module(root: Path, name: str) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def project_modules(root: Path, packages: tuple[str, ...]) -> Iterator[Path]:
    for package in packages:
        yield from sorted((root / package).rglob("*.py"))


def modules_importing(package: str, forbidden: str) -> list[str]:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path == COMPOSITION_ROOT:
            continue
        if any(m == forbidden or m.startswith(f"{forbidden}.") for m in imported_modules(path)):
            offenders.append(str(path.relative_to(ROOT)))
    return offenders


def import_cycles(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[list[str]]:
    """The circles of the graph of the project's own imports (Tarjan's strongly connected
    components of more than one module, or a module importing itself)."""
    names = {module_name(path, root): path for path in project_modules(root, packages)}
    graph = {
        name: sorted(m for m in imported_modules(path, root) if m in names and m != name)
        for name, path in names.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return cycles


def test_no_core_module_but_the_composition_root_imports_an_adapter() -> None:
    assert modules_importing("ccc", "bots") == []


def test_no_core_module_but_the_composition_root_imports_the_engine() -> None:
    assert modules_importing("ccc", "workflows") == []


def test_adapters_take_their_dependencies_from_the_kernel_not_the_composition_root() -> None:
    assert modules_importing("bots", "ccc.api") == []


def test_the_flows_know_nothing_of_channels_adapters() -> None:
    assert modules_importing("workflows", "bots") == []


def test_the_composition_root_really_is_where_adapters_and_the_engine_are_wired() -> None:
    imported = imported_modules(COMPOSITION_ROOT)
    assert any(m.startswith("bots.") for m in imported)
    assert any(m.startswith("workflows.") for m in imported)


def test_no_import_circle_among_the_project_modules() -> None:
    assert import_cycles() == []


def test_the_check_itself_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "lazy.py"
    module.write_text("def f():\n    from bots.twilio import sender\n", encoding="utf-8")
    assert "bots.twilio" in imported_modules(module)


def test_the_cycle_check_itself_finds_a_circle_held_by_a_lazy_import(tmp_path: Path) -> None:
    (tmp_path / "ccc").mkdir()
    (tmp_path / "ccc" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "ccc" / "a.py").write_text("import ccc.b\n", encoding="utf-8")
    (tmp_path / "ccc" / "b.py").write_text("def f():\n    from ccc import a\n", encoding="utf-8")
    (tmp_path / "ccc" / "c.py").write_text("from ccc import a\n", encoding="utf-8")
    assert import_cycles(tmp_path, ("ccc",)) == [["ccc.a", "ccc.b"]]


def unexplained_local_imports(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Imports of a project module inside a function without a `# why:` comment: on the import's
    own line, or in the comment lines just above it (above the run of imports it belongs to).
    An import inside a function hides a dependency; it stays only for a reason said there (a
    heavy dependency one command needs, the order subscribers register in)."""
    found: set[tuple[str, int]] = set()
    for path in project_modules(root, packages):
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for function in ast.walk(ast.parse(source)):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if _imports_the_project(node) and not _explained(lines, node.lineno):
                    found.add((str(path.relative_to(root)), node.lineno))
    return [f"{name}:{line}" for name, line in sorted(found)]


def _imports_the_project(node: ast.AST) -> bool:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        names = [node.module]
    else:
        return False
    return any(name.split(".")[0] in PACKAGES for name in names)


def _explained(lines: list[str], lineno: int) -> bool:
    if "# why:" in lines[lineno - 1]:
        return True
    above = lineno - 2
    while above >= 0:
        line = lines[above].strip()
        if line.startswith("# why:"):
            return True
        if not (line.startswith("#") or line.startswith(("import ", "from "))):
            return False
        above -= 1
    return False


def test_every_import_inside_a_function_says_why() -> None:
    assert unexplained_local_imports() == []


def test_the_why_check_itself_finds_an_import_without_a_reason(tmp_path: Path) -> None:
    (tmp_path / "ccc").mkdir()
    (tmp_path / "ccc" / "a.py").write_text(
        "def f():\n"
        "    import json\n"  # not the project's: no reason asked
        "    from ccc import b  # why: a reason\n"
        "    # why: one reason, over a run of imports\n"
        "    from ccc import c\n"
        "    from ccc import d\n"
        "\n"
        "    from ccc import e\n"
        "    # a comment that gives no reason\n"
        "    import ccc.f\n",
        encoding="utf-8",
    )
    assert unexplained_local_imports(tmp_path, ("ccc",)) == ["ccc/a.py:8", "ccc/a.py:10"]
