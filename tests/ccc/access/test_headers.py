"""Every response carries the security headers; case data is never cached; the API's own
documentation can be turned off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Harness, build_harness, make_settings
from tests.flows import open_ticket


def test_every_response_carries_the_security_headers(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, "+9647701234567")
    for path, headers in (
        ("/healthz", {}),
        ("/docs", {}),
        ("/api/tickets", agent),
        (f"/api/tickets/{reference}", agent),
        ("/api/tickets/12345678", agent),  # a 404
        ("/api/tickets", {}),  # a 401
    ):
        response = ccc.client.get(path, headers=headers)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


def test_case_data_is_never_cached(ccc: Harness, agent: dict[str, str]) -> None:
    reference = open_ticket(ccc, "+9647701234567")
    for path in ("/api/tickets", f"/api/tickets/{reference}", f"/api/tickets/{reference}/timeline"):
        assert ccc.client.get(path, headers=agent).headers["Cache-Control"] == "no-store"
    assert "no-store" not in ccc.client.get("/healthz").headers.get("Cache-Control", "")


@pytest.fixture
def without_docs(database_url: str) -> Iterator[Harness]:
    yield from build_harness(make_settings(database_url, api_docs=False))


def test_the_api_documentation_can_be_turned_off(without_docs: Harness) -> None:
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert without_docs.client.get(path).status_code == 404, path
    assert without_docs.client.get("/healthz").status_code == 200


def test_openapi_describes_the_error_answers_of_every_api_call(ccc: Harness) -> None:
    spec = ccc.client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/") or path.startswith("/api/simulator"):
            continue
        for method, operation in operations.items():
            described = set(operation["responses"])
            assert {"401", "403", "404", "409", "422"} <= described, (method, path)
    error = spec["components"]["schemas"]["ErrorOut"]
    assert "detail" in error["properties"]
