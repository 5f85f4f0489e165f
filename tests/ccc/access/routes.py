"""The routes an app really serves, found by walking it (not by reading its OpenAPI document,
which leaves out routes hidden from the schema)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from fastapi import FastAPI


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (METHOD, path template) the app answers, HEAD left out."""
    return set(_walk(app.routes, ""))


def _walk(routes: Iterable[Any], prefix: str) -> Iterator[tuple[str, str]]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:  # FastAPI >= 0.165 keeps included routers as a unit
            yield from _walk(included.routes, prefix + route.include_context.prefix)
            continue
        for method in sorted(set(getattr(route, "methods", None) or ()) - {"HEAD"}):
            yield method, prefix + route.path
