"""A loopback URL whose port refuses connections, for ``[indexes.NAME] refused = true``.

PEP 766, "Ways that a request falls through to a lower priority index", names an index
that "is unreachable (e.g. blocked by firewall rules, temporarily unavailable due to
maintenance, other miscellaneous and temporary networking issues)". An HTTP error status
is one such issue; a refused connection is another, where no HTTP answer comes at all.

The port is bound on 127.0.0.1 and never listened on, for as long as this process runs: a
connection to it is refused (RST), and no other program can take the port meanwhile.
"""

from __future__ import annotations

import socket
from functools import cache


@cache
def _bound_socket() -> socket.socket:
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.bind(("127.0.0.1", 0))
    return held


def refused_port() -> int:
    """The held port: bound, not listening."""
    port: int = _bound_socket().getsockname()[1]
    return port


def refused_url(name: str) -> str:
    """The simple URL an installer gets for the refused index *name*."""
    return f"http://127.0.0.1:{refused_port()}/{name}/simple/"
