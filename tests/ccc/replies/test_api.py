"""Saved replies over the API: supervisors and admins keep them, every role reads them."""

from __future__ import annotations

from typing import Any

from tests.conftest import Harness

TEXTS = {
    "ar": "استلمنا طلبكم {reference} ونعمل عليه.",
    "ckb": "داواکارییەکەتمان {reference} وەرگرت.",
    "kmr": "مە داخوازیا تە {reference} وەرگرت.",
    "en": "We received your request {reference} and are working on it.",
}


def keep(ccc: Harness, headers: dict[str, str], **body: Any) -> Any:
    return ccc.client.post(
        "/api/saved-replies", json={"name": "Received", "texts": TEXTS} | body, headers=headers
    )


def test_a_supervisor_keeps_a_reply_that_every_role_reads(
    ccc: Harness, supervisor: dict[str, str], agent: dict[str, str]
) -> None:
    created = keep(ccc, supervisor)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Received" and body["texts"] == TEXTS
    member = ccc.user("tina", "team_member", ["tracing"])
    admin = ccc.user("adam", "admin")
    for headers in (agent, member, admin, supervisor):
        listed = ccc.client.get("/api/saved-replies", headers=headers)
        assert listed.status_code == 200
        assert [r["id"] for r in listed.json()] == [body["id"]]
    assert keep(ccc, admin, name="Second").status_code == 201

    gone = ccc.client.delete(f"/api/saved-replies/{body['id']}", headers=supervisor)
    assert gone.status_code == 204
    names = [r["name"] for r in ccc.client.get("/api/saved-replies", headers=agent).json()]
    assert names == ["Second"]
    again = ccc.client.delete(f"/api/saved-replies/{body['id']}", headers=supervisor)
    assert again.status_code == 404


def test_agents_and_team_members_may_not_write(
    ccc: Harness, supervisor: dict[str, str], agent: dict[str, str]
) -> None:
    member = ccc.user("tina", "team_member", ["tracing"])
    assert keep(ccc, agent).status_code == 403
    assert keep(ccc, member).status_code == 403
    reply_id = keep(ccc, supervisor).json()["id"]
    for headers in (agent, member):
        refused = ccc.client.delete(f"/api/saved-replies/{reply_id}", headers=headers)
        assert refused.status_code == 403
    assert len(ccc.client.get("/api/saved-replies", headers=agent).json()) == 1
    assert ccc.client.get("/api/saved-replies").status_code == 401


def test_every_language_and_a_name_are_needed_and_nothing_half_stored(
    ccc: Harness, supervisor: dict[str, str]
) -> None:
    without_kurdish = {k: v for k, v in TEXTS.items() if k != "kmr"}
    cases = [
        {"texts": without_kurdish},
        {"texts": TEXTS | {"ckb": "   "}},
        {"texts": TEXTS | {"fr": "Bonjour"}},
        {"name": ""},
        {"name": "  "},
        {"texts": "hello"},
    ]
    for body in cases:
        refused = keep(ccc, supervisor, **body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["detail"]
    assert keep(ccc, supervisor).status_code == 201
    assert keep(ccc, supervisor).status_code == 409  # the same name twice
    assert len(ccc.client.get("/api/saved-replies", headers=supervisor).json()) == 1
    assert ccc.client.delete("/api/saved-replies/0", headers=supervisor).status_code == 422


def test_the_endpoints_are_in_the_openapi_document(ccc: Harness) -> None:
    paths = ccc.client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/saved-replies"])
    assert "delete" in paths["/api/saved-replies/{reply_id}"]
