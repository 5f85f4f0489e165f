"""The data-protection code stays readable at once: no function above cyclomatic complexity 15,
counted as radon and lizard count it (each branch, loop, handler, ternary, boolean operand and
comprehension clause), the project's limit for new and reworked functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ccc

LIMIT = 15
ROOT = Path(ccc.__file__).parent
MODULES = [
    *sorted((ROOT / "retention").glob("*.py")),
    ROOT / "reports" / "year.py",
    ROOT / "reports" / "chart.py",
    ROOT / "console" / "pages_year.py",
    ROOT / "calls" / "rotation.py",
    ROOT / "kernel" / "vault.py",
]
BRANCHES = (
    ast.If,
    ast.IfExp,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.ExceptHandler,
    ast.Assert,
    ast.match_case,
)


def complexity(function: ast.AST) -> int:
    count = 1
    for node in ast.walk(function):
        if isinstance(node, BRANCHES):
            count += 1
        elif isinstance(node, ast.BoolOp):
            count += len(node.values) - 1
        elif isinstance(node, ast.comprehension):
            count += 1 + len(node.ifs)
    return count


def test_the_counter_counts_what_it_should() -> None:
    tree = ast.parse(
        "def f(a, b):\n"
        "    if a and b:\n"
        "        return [x for x in a if x]\n"
        "    return 1 if b else 2\n"
    )
    assert complexity(tree.body[0]) == 6


@pytest.mark.parametrize("module", MODULES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_no_function_is_above_the_limit(module: Path) -> None:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    over = {
        node.name: complexity(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and complexity(node) > LIMIT
    }
    assert over == {}
