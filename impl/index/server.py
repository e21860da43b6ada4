"""Running the index: in-process on an ephemeral loopback port, or from the CLI.

:func:`serve_in_process` starts uvicorn in a thread and stops it with
``Server.should_exit``, joining the thread, so tests and the conformance
harness leak neither threads nor sockets.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from wheelnext.errors import WheelnextError
from wheelnext.index.app import (
    FailureSwitch,
    Format,
    IndexApp,
    RequestLog,
    RequestRecord,
    create_app,
)
from wheelnext.index.features import DEFAULT, Personality

#: Seconds to wait for uvicorn to start or stop before giving up.
STARTUP_TIMEOUT = 30.0


class ServerError(WheelnextError):
    """The index server could not start."""


class IndexServer:
    """A running index: its URLs, request log and failure switch."""

    def __init__(self, app: IndexApp, host: str, port: int, log: RequestLog) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.log = log

    @property
    def url(self) -> str:
        """Base URL, without a trailing ``/``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def index_url(self, name: str | None = None) -> str:
        """``…/simple/`` for the unnamed index, ``…/NAME/simple/`` for a named one."""
        if name not in self.app.repositories:
            raise WheelnextError(f"index {name!r}: not served here")
        return f"{self.url}/simple/" if name is None else f"{self.url}/{name}/simple/"

    @property
    def requests(self) -> list[RequestRecord]:
        return self.log.records

    def set_failure(self, name: str | None, status: int | None = 500) -> None:
        """Make index *name* answer every request with *status*; None restores it."""
        if name not in self.app.repositories:
            raise WheelnextError(f"index {name!r}: not served here")
        self.app.failures.set(name, status)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so,
    # and without it headers and body wait out Nagle + delayed ACK (~40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServerError(f"--host {host} --port {port}: cannot bind: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


@contextmanager
def serve_in_process(
    roots: Path | Mapping[str, Path],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    formats: Collection[Format] = ("html", "json"),
    failures: Mapping[str | None, int] | None = None,
    personality: Personality = DEFAULT,
) -> Iterator[IndexServer]:
    """Serve *roots* on *host* (an ephemeral port by default) for the ``with`` block.

    *failures* maps index names (None: the unnamed one) to an HTTP status
    they answer every request with; :meth:`IndexServer.set_failure` changes it later.
    *personality* names the features served (the conformance harness's axis; the
    ``index serve`` command always serves the default).
    """
    log = RequestLog()
    app = create_app(roots, request_log=log, formats=formats, personality=personality)
    assert isinstance(app, IndexApp)
    for name, status in (failures or {}).items():
        app.failures.set(name or None, status)
    sock = _bind(host, port)
    # log_config=None: a library must not reconfigure its host's logging.
    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="wheelnext-index", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.005)
        if not server.started:
            raise ServerError(f"index server on {host}:{port} did not start")
        yield IndexServer(app, host, sock.getsockname()[1], log)
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT)
        sock.close()


def serve_forever(
    roots: Path | Mapping[str, Path],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    formats: Collection[Format] = ("html", "json"),
    access_log: bool = True,
) -> None:
    """Serve *roots* until interrupted (the CLI)."""
    app = create_app(roots, formats=formats)
    sock = _bind(host, port)
    config = uvicorn.Config(app, log_level="info", lifespan="off", access_log=access_log)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


__all__ = ["FailureSwitch", "IndexServer", "ServerError", "serve_forever", "serve_in_process"]
