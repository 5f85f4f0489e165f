"""What `schemathesis run --checks all` found, each kept as a plain regression test: a 500 for
an id beyond 32 bits, answers the schema did not describe, filters that take a fixed set of
values described as free text, a `405` whose `Allow` named one method of two."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness
from tests.flows import open_ticket


def spec(ccc: Harness) -> dict[str, Any]:
    body: dict[str, Any] = ccc.client.get("/openapi.json").json()
    return body


def parameter(spec: dict[str, Any], path: str, name: str) -> dict[str, Any]:
    [found] = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
    schema: dict[str, Any] = found["schema"]
    return schema["anyOf"][0] if "anyOf" in schema else schema


def test_an_id_beyond_32_bits_is_a_422_not_a_500(ccc: Harness, supervisor: dict[str, str]) -> None:
    response = ccc.client.post(
        "/api/callbacks/1919920722703986066456576/attempts",
        json={"outcome": "reached"},
        headers=supervisor,
    )
    assert response.status_code == 422, response.text
    unknown = ccc.client.post(
        "/api/callbacks/2147483647/attempts", json={"outcome": "reached"}, headers=supervisor
    )
    assert unknown.status_code == 404


def test_a_number_is_not_taken_for_a_yes_or_no(ccc: Harness, supervisor: dict[str, str]) -> None:
    reference = open_ticket(ccc, "+9647701234567", "tracing")
    response = ccc.client.patch(f"/api/tickets/{reference}", json={"notify": 0}, headers=supervisor)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", "notify"] and problem["msg"] and problem["type"]


def test_a_wrong_method_names_every_method_of_the_path(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    reference = open_ticket(ccc, "+9647701234567", "tracing")
    response = ccc.client.options(f"/api/tickets/{reference}", headers=supervisor)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH"
    referrals = ccc.client.delete(f"/api/tickets/{reference}/referrals", headers=supervisor)
    assert referrals.headers["allow"] == "GET, POST"


def test_filters_with_a_fixed_set_of_values_say_which(ccc: Harness) -> None:
    described = spec(ccc)
    status = parameter(described, "/api/tickets", "status")
    assert status["pattern"].startswith("^((new|open|referred|pending|resolved|closed)")
    assert "detention" in parameter(described, "/api/tickets", "category")["pattern"]
    assert "simulator" in parameter(described, "/api/tickets", "channel")["pattern"]
    sla = parameter(described, "/api/tickets", "sla")
    assert sla.get("enum", [sla.get("const")]) == ["breached"]
    components = described["components"]["schemas"]
    referral_status = parameter(described, "/api/referrals", "status")
    assert set(components[referral_status["$ref"].split("/")[-1]]["enum"]) == {
        "pending",
        "accepted",
        "rejected",
        "completed",
        "cancelled",
    }
    callback_status = parameter(described, "/api/callbacks", "status")
    assert components[callback_status["$ref"].split("/")[-1]]["enum"] == ["open", "done"]
    patch = components["TicketPatch"]["properties"]
    for field in ("status", "priority", "category", "sensitivity"):
        assert "$ref" in patch[field]["anyOf"][0], field


def test_a_filter_value_outside_its_set_is_refused_and_a_list_of_good_ones_is_taken(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    assert (
        ccc.client.get("/api/tickets", params={"status": "opne"}, headers=supervisor).status_code
        == 422
    )
    listed = ccc.client.get("/api/tickets", params={"status": "open,new"}, headers=supervisor)
    assert listed.status_code == 200
    assert (
        ccc.client.get("/api/callbacks", params={"status": ""}, headers=supervisor).status_code
        == 422
    )
    assert (
        ccc.client.get(
            "/api/reports/summary", params={"from": "2026-01-01T10:30"}, headers=supervisor
        ).status_code
        == 422
    )


def test_every_error_an_api_route_can_give_is_described(ccc: Harness) -> None:
    described = spec(ccc)
    for path, operations in described["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path == "/healthz":
                assert {"400", "503"} <= codes
                continue
            assert {"400", "413", "415", "422"} <= codes, (method, path)
            if path.startswith("/api/") and not path.startswith("/api/simulator"):
                assert {"401", "403", "404"} <= codes, (method, path)
            if path.startswith("/webhooks/"):
                assert "403" in codes, (method, path)
    nul = ccc.client.get("/api/tickets", params={"q": "a\x00b"})
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]


def test_text_of_only_spaces_is_refused_by_the_schema_itself(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    reference = open_ticket(ccc, "+9647701234567", "tracing")
    response = ccc.client.post(
        f"/api/tickets/{reference}/notes", json={"text": "   "}, headers=supervisor
    )
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert (
        problem["loc"] == ["body", "text"] and problem["msg"] == "needs some text, not only spaces"
    )
    assert spec(ccc)["components"]["schemas"]["TextIn"]["properties"]["text"]["pattern"] == r"\S"


def test_a_value_outside_a_pattern_is_explained_in_words(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    for path, params, words in (
        ("/api/tickets", {"status": "opne"}, "one or more of new, open"),
        ("/api/audit", {"from": "yesterday"}, "a date (YYYY-MM-DD) or an ISO datetime"),
        ("/api/calls", {"to": "2026-01-01T10:30"}, "report windows are whole days or hours"),
    ):
        response = ccc.client.get(path, params=params, headers=supervisor)
        assert response.status_code == 422
        [problem] = response.json()["detail"]
        assert words in problem["msg"] and "\\d" not in problem["msg"], path
