"""No webhook or API body makes CCC answer 500 (issue 16, finding 7): lone surrogates, NUL,
bidi controls and 10,000-character fields get a clear 4xx or are stored as text, never a
crash that a provider redelivers again and again."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from ccc.messages.models import Message
from tests.conftest import Harness
from tests.flows import open_ticket
from tests.support.people import TelegramPerson, post_telegram

SPECIALS = [
    "\ud800",  # a lone high surrogate
    "\udfff",  # a lone low surrogate
    "\x00",
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200f",  # right-to-left mark
    "\ufeff",
    "\U0001f600",
    "ـ",
]
NASTY = st.one_of(
    st.lists(st.one_of(st.text(max_size=12), st.sampled_from(SPECIALS)), max_size=8).map("".join),
    st.sampled_from(["x" * 10_000, "ب" * 10_000, "\u202e" * 10_000, "\ud800" * 10_000]),
)
FUZZ = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def inbound_count(ccc: Harness) -> int:
    with ccc.session() as session:
        return len(session.exec(select(Message).where(Message.direction == "in")).all())


def test_a_lone_surrogate_from_telegram_is_a_400_and_nothing_is_stored(
    ccc: Harness, telegram: TelegramPerson
) -> None:
    for field in ("text", "first_name"):
        update = telegram.update("telegram_text", text="hello")
        if field == "text":
            update["message"]["text"] = "\ud800hi"
        else:
            update["message"]["from"]["first_name"] = "\ud800Amal"
        response = post_telegram(ccc.client, update)
        assert response.status_code == 400, response.text
        assert "surrogate" in response.json()["detail"]
    assert inbound_count(ccc) == 0


@FUZZ
@given(text=NASTY, name=NASTY)
def test_no_telegram_update_is_a_500(
    ccc: Harness, telegram: TelegramPerson, text: str, name: str
) -> None:
    update = telegram.update("telegram_text", text="hello")
    update["message"]["text"] = text
    update["message"]["from"]["first_name"] = name
    before = inbound_count(ccc)
    response = post_telegram(ccc.client, update)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert inbound_count(ccc) == before  # refused: nothing half-stored


def _bodies(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Every API operation that takes a JSON body, with its schema's properties."""
    found = []
    schemas = spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                continue
            if "$ref" in schema:
                schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
            found.append((method.upper(), path, schema.get("properties", {})))
    return found


def _string_fields(properties: dict[str, Any]) -> list[str]:
    def is_string(schema: dict[str, Any]) -> bool:
        options = schema.get("anyOf", [schema])
        return any(option.get("type") == "string" for option in options)

    return [name for name, schema in properties.items() if is_string(schema)]


@FUZZ
@given(value=NASTY, data=st.data())
def test_no_api_body_is_a_500(
    ccc: Harness, supervisor: dict[str, str], value: str, data: st.DataObject
) -> None:
    reference = open_ticket(ccc, "+9647701117001", "tracing")
    operations = _bodies(ccc.client.get("/openapi.json").json())
    assert len(operations) >= 8
    method, path, properties = data.draw(st.sampled_from(operations))
    fields = _string_fields(properties)
    body = {name: value for name in fields}
    if "references" in properties:
        body["references"] = [reference]
    url = path.replace("{reference}", reference)
    for name in ("{id}", "{referral_id}", "{callback_id}", "{user_id}", "{token_id}"):
        url = url.replace(name, "1")
    response = ccc.client.request(
        method,
        url,
        content=json.dumps(body),  # ensure_ascii: a lone surrogate travels as \ud800
        headers={**supervisor, "content-type": "application/json"},
    )
    assert response.status_code < 500, (method, path, response.text[:300])
