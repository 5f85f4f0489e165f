"""The address a request came from, believing `X-Forwarded-For` only from trusted proxies.

The login throttle counts failures per address and the audit log records where each read and
change came from. A client that may write its own `X-Forwarded-For` could pick a fresh address
per attempt or put someone else's in the log, so the header is read only when the connection
comes from an address of `CCC_TRUSTED_PROXIES` (addresses or networks, comma-separated; none by
default), and then from its right end: the first address that is not a trusted proxy is the
client. `ccc serve` runs uvicorn without its own proxy-header handling, which would trust any
local client.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """The networks of a `CCC_TRUSTED_PROXIES` value; raises ValueError for a bad entry."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    )


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(connection: HTTPConnection, trusted: str) -> str:
    """The client's address: the peer, or, behind a trusted proxy, the forwarded one."""
    peer = connection.client.host if connection.client else "unknown"
    networks = trusted_networks(trusted)
    if not networks or not _trusted(peer, networks):
        return peer
    forwarded = ",".join(connection.headers.getlist("x-forwarded-for"))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def request_address(connection: HTTPConnection) -> str:
    """`client_address` with the running app's setting."""
    runtime = getattr(connection.app.state, "runtime", None)
    trusted = runtime.settings.trusted_proxies if runtime is not None else ""
    return client_address(connection, trusted)
