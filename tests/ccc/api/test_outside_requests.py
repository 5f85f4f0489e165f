"""What the API tells and believes of the outside (issue 16, finding 9): /docs runs only
scripts CCC ships, X-Forwarded-For counts only from CCC_TRUSTED_PROXIES, and a bad Twilio
signature is refused without naming CCC_PUBLIC_URL."""

from __future__ import annotations

import re
from typing import Any

import pytest
from starlette.requests import Request

from ccc.kernel.addresses import client_address
from tests.conftest import Harness


def test_the_api_docs_load_no_script_or_style_from_elsewhere(ccc: Harness) -> None:
    for path in ("/docs", "/redoc"):
        page = ccc.client.get(path)
        assert page.status_code == 200
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources, page.text
        for source in sources:
            assert source.startswith("/"), (path, source)  # same origin, no CDN
            assert ccc.client.get(source).status_code == 200, source


def request_from(peer: str, forwarded: str | None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    scope: dict[str, Any] = {"type": "http", "client": (peer, 50000), "headers": headers}
    return Request(scope)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "address"),
    [
        ("127.0.0.1", "203.0.113.9", "", "127.0.0.1"),  # a local client is not a proxy
        ("198.51.100.7", "203.0.113.9", "", "198.51.100.7"),
        ("198.51.100.7", "203.0.113.9", "10.0.0.0/8", "198.51.100.7"),  # not from the proxy
        ("10.0.0.2", "203.0.113.9", "10.0.0.0/8", "203.0.113.9"),
        ("10.0.0.2", "1.2.3.4, 203.0.113.9", "10.0.0.0/8", "203.0.113.9"),  # the client's own
        ("10.0.0.2", "203.0.113.9, 10.0.0.3", "10.0.0.0/8", "203.0.113.9"),  # two proxies
        ("10.0.0.2", None, "10.0.0.0/8", "10.0.0.2"),
        ("::1", "203.0.113.9", "::1, 127.0.0.1", "203.0.113.9"),
    ],
)
def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(
    peer: str, forwarded: str | None, trusted: str, address: str
) -> None:
    assert client_address(request_from(peer, forwarded), trusted) == address


def test_ccc_serve_leaves_forwarded_headers_to_ccc(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from ccc import cli

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setattr("ccc.kernel.migrate.upgrade", lambda url: None)
    monkeypatch.setattr("ccc.access.exposure.check_simulator", lambda settings: None)
    cli._serve(type("Args", (), {"host": "127.0.0.1", "port": 8000, "processes": 1})())
    assert seen["proxy_headers"] is False
