"""Webhook verification as pure functions: Twilio's signature and Telegram's secret token."""

from __future__ import annotations

import hmac
from typing import Any

import pytest
from twilio.request_validator import RequestValidator

from bots.twilio import signature as twilio_signature
from bots.twilio.signature import signed_url, twilio_signature_valid
from bots.webhooks import secret_token_valid

TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
URL = "https://ccc.example.org/webhooks/twilio/messaging?centre=erbil&lang=ar"
PARAMS = [("Body", "مرحبا"), ("From", "+9647701234567"), ("MessageSid", "SM123")]


def real_signature(url: str = URL, params: list[tuple[str, str]] = PARAMS) -> str:
    signature: str = RequestValidator(TOKEN).compute_signature(url, dict(params))
    return signature


def valid(
    signature: str | None, *, url: str = URL, params: Any = PARAMS, token: Any = TOKEN
) -> bool:
    return twilio_signature_valid(auth_token=token, url=url, params=params, signature=signature)


def test_a_signature_made_by_twilios_validator_over_a_url_with_a_query_string_is_valid() -> None:
    assert valid(real_signature())


def test_the_signed_url_is_the_public_url_with_the_path_and_the_raw_query() -> None:
    assert signed_url("https://ccc.example.org/", "/webhooks/twilio/messaging") == (
        "https://ccc.example.org/webhooks/twilio/messaging"
    )
    assert signed_url("https://ccc.example.org", "/webhooks/twilio/messaging", "a=1&b=%2B9") == (
        "https://ccc.example.org/webhooks/twilio/messaging?a=1&b=%2B9"
    )


@pytest.mark.parametrize(
    "signed_as",
    [
        "https://ccc.example.org:443/webhooks/twilio/messaging?centre=erbil&lang=ar",
        "https://ccc.example.org/webhooks/twilio/messaging?centre=erbil&lang=ar",
    ],
)
def test_twilio_may_or_may_not_include_the_default_port(signed_as: str) -> None:
    assert valid(real_signature(signed_as))


@pytest.mark.parametrize(
    ("what", "kwargs"),
    [
        ("another token", {"token": "0" * 32}),
        ("a changed body", {"params": [("Body", "hello"), *PARAMS[1:]]}),
        ("a dropped field", {"params": PARAMS[:2]}),
        ("an added field", {"params": [*PARAMS, ("NumMedia", "1")]}),
        ("the query left out", {"url": URL.split("?")[0]}),
        (
            "the host the proxy forwarded to",
            {"url": URL.replace("ccc.example.org", "10.0.0.5:8000")},
        ),
        ("http instead of https", {"url": URL.replace("https:", "http:")}),
        ("no auth token configured", {"token": None}),
    ],
)
def test_a_signature_is_refused_for(what: str, kwargs: dict[str, Any]) -> None:
    assert not valid(real_signature(), **kwargs), what


@pytest.mark.parametrize("signature", [None, "", "   ", "not-base64", real_signature()[:-2]])
def test_missing_or_malformed_signatures_are_refused(signature: str | None) -> None:
    assert not valid(signature)


def test_repeated_field_names_are_all_signed() -> None:
    pairs = [("MediaUrl", "https://a.example/1"), ("MediaUrl", "https://a.example/2")]
    data = "".join(["MediaUrl" + "https://a.example/1", "MediaUrl" + "https://a.example/2"])
    expected = RequestValidator(TOKEN).compute_signature(URL + data, {})
    assert valid(expected, params=pairs)
    assert not valid(expected, params=pairs[:1])


def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(twilio_signature.hmac, "compare_digest", spy)
    assert valid(real_signature())
    assert calls


def test_the_telegram_secret_must_be_configured_and_equal() -> None:
    assert secret_token_valid(expected="s3cret-Token_1", received="s3cret-Token_1")
    assert not secret_token_valid(expected="s3cret-Token_1", received="s3cret-Token_2")
    assert not secret_token_valid(expected="s3cret-Token_1", received=None)
    assert not secret_token_valid(expected="s3cret-Token_1", received="")
    assert not secret_token_valid(expected=None, received="anything")
    assert not secret_token_valid(expected="", received="")
