"""YAML with line numbers, so every problem in a data file can be reported as `file:line`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class LoadError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class LineDict(dict[str, Any]):
    """A mapping that remembers the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A list that remembers its own line and the line of each item (a word of a word list
    is reported where it is written)."""

    line: int = 0
    item_lines: tuple[int, ...] = ()

    def line_at(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def load(path: Path) -> tuple[Any, list[Problem]]:
    """The document, and the problems found while reading it (bad syntax, duplicate keys)."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, 1, f"cannot read: {exc}")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return None, [Problem(name, line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if node is None:
        return None, [Problem(name, 1, "the file is empty")]
    problems: list[Problem] = []
    try:
        return _convert(node, name, problems), problems
    except RecursionError:
        return None, [Problem(name, 1, "an alias refers to itself (a recursive YAML anchor)")]


def _convert(node: Node, name: str, problems: list[Problem]) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        result = LineDict()
        result.line = line
        result.key_lines = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = _scalar(key_node)
            # YAML 1.1 reads a bare `on`, `yes` or `no` as a boolean; as a key (a rule's
            # `on:`) it is the word that was written.
            key_text = key_node.value if isinstance(key, bool) else str(key)
            if key_text in result:
                problems.append(
                    Problem(name, key_node.start_mark.line + 1, f"duplicate key {key_text!r}")
                )
            result[key_text] = _convert(value_node, name, problems)
            result.key_lines[key_text] = key_node.start_mark.line + 1
        return result
    if isinstance(node, SequenceNode):
        items = LineList(_convert(child, name, problems) for child in node.value)
        items.line = line
        items.item_lines = tuple(child.start_mark.line + 1 for child in node.value)
        return items
    assert isinstance(node, ScalarNode)
    return _scalar(node)


def _scalar(node: Node) -> Any:
    constructor = yaml.SafeLoader("")
    try:
        return constructor.construct_object(node, deep=True)
    finally:
        constructor.dispose()
