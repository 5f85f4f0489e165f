"""The simulator shows conversations without a login, so it exists only when switched on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import Harness, build_harness, make_settings


@pytest.fixture
def without_simulator(database_url: str) -> Iterator[Harness]:
    yield from build_harness(make_settings(database_url, simulator=False))


def test_with_the_simulator_off_its_endpoints_do_not_exist(without_simulator: Harness) -> None:
    client = without_simulator.client
    assert (
        client.post("/api/simulator/messages", json={"from": "+9647701234567"}).status_code == 404
    )
    assert client.get("/api/simulator/messages", params={"address": "+964"}).status_code == 404
    assert client.get("/simulator").status_code == 404


def test_bad_simulator_input_is_refused_and_nothing_is_stored(
    database_url: str,
) -> None:
    for harness in build_harness(make_settings(database_url)):
        client = harness.client
        for body in (
            {},
            {"from": ""},
            {"from": "a b"},
            {"from": "+964", "text": 5},
            {"from": "+9647701234567", "extra": 1},
            {"from": "+9647701234567", "text": "x" * 20001},
        ):
            response = client.post("/api/simulator/messages", json=body)
            assert response.status_code == 422, body
        huge = client.post(
            "/api/simulator/messages",
            content=b"{" + b" " * 70_000 + b"}",
            headers={"content-type": "application/json"},
        )
        assert huge.status_code == 413
        assert (
            client.get("/api/simulator/messages", params={"address": "+9647701234567"}).json() == []
        )
