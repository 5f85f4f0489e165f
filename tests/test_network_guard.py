"""The suite's own guard: no test may open a connection that leaves this machine."""

from __future__ import annotations

import socket

import pytest

from tests.conftest import NetworkBanned


def test_a_connection_beyond_loopback_is_refused_before_any_packet_leaves() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        with pytest.raises(NetworkBanned, match="only loopback"):
            sock.connect(("192.0.2.1", 443))  # TEST-NET-1: never routed anyway


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
