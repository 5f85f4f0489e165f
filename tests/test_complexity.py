"""No function of `ccc/`, `bots/` or `workflows/` above cyclomatic complexity 15 (radon's grade C
at most): a function that branches more than that is split by meaning, into pieces named after
what each decides."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_visit
from radon.visitors import Class, Function

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 15


def _functions(blocks: list[Function | Class]) -> list[tuple[str, int]]:
    """Every function and method (radon lists methods beside their class, as `Class.name`),
    and the functions defined inside them."""
    found = []
    for block in blocks:
        if isinstance(block, Function):
            found.append((block.fullname, block.complexity))
            found += [(f"{block.fullname}.{c.name}", c.complexity) for c in block.closures]
    return found


def too_complex() -> dict[str, int]:
    found = {}
    for package in ("ccc", "bots", "workflows"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            for name, complexity in _functions(cc_visit(path.read_text(encoding="utf-8"))):
                if complexity > LIMIT:
                    found[f"{relative}:{name}"] = complexity
    return found


def test_no_function_above_the_limit() -> None:
    over = too_complex()
    assert over == {}, f"split these (cyclomatic complexity above {LIMIT}): {over}"
