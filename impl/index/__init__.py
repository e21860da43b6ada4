"""The reference index server: PEP 503/691/700 simple API, PEP 658/714, PEP 592, PEP 825.

``create_app`` builds the Starlette ASGI application; ``serve_in_process``
runs it on an ephemeral loopback port for tests and the conformance harness.
"""

from __future__ import annotations

from wheelnext.index.app import (
    FailureSwitch,
    IndexApp,
    RequestLog,
    RequestRecord,
    create_app,
)
from wheelnext.index.server import IndexServer, ServerError, serve_forever, serve_in_process

__all__ = [
    "FailureSwitch",
    "IndexApp",
    "IndexServer",
    "RequestLog",
    "RequestRecord",
    "ServerError",
    "create_app",
    "serve_forever",
    "serve_in_process",
]
