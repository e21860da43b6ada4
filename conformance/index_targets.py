"""Index targets: which package index serves a run's materialized packages.

``reference`` is wheelnext's own index server (the default). ``pypiserver``
serves the same folders with pypiserver (from its package, in-process, one
pypiserver application per index mounted under ``/NAME/``), so the installer
scenarios also show where an existing index falls short of the PEPs (no
``*-variants.json``, no PEP 691 JSON, no PEP 658 metadata...). Both log every
request (index, path, status) and can make a named index answer an error.
``static-dumb-pypi`` is a static index written by dumb-pypi and served as plain files
(:mod:`~wheelnext.conformance.static_generator`); the file server, not the generator,
answers a failing index's error.
``pypiserver-server`` runs pypiserver as its own server process per index, filled
through its upload API, and ``devpi`` an offline devpi-server with an index per scenario
index (:mod:`~wheelnext.conformance.index_servers`).
``url`` is any index the harness does not run, filled by the user's upload
command (:mod:`~wheelnext.conformance.remote_index`).
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any, Protocol
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from wheelnext.conformance.index_knockout import serve_knockout
from wheelnext.conformance.index_servers import (
    DEVPI_SERVER,
    SERVER_TARGETS,
    Refusal,
    serve_devpi,
    serve_pypiserver_server,
)
from wheelnext.conformance.materialize import default_cache
from wheelnext.conformance.remote_index import RemoteIndex, serve_remote
from wheelnext.conformance.static_generator import GENERATOR, GENERATOR_VERSION, serve_generated
from wheelnext.conformance.static_generator import TARGET as STATIC_GENERATOR_TARGET
from wheelnext.errors import WheelnextError
from wheelnext.index import RequestRecord, serve_in_process
from wheelnext.index.features import DEFAULT, Personality
from wheelnext.index.static import serve_static

TARGETS = ("reference", "pypiserver", STATIC_GENERATOR_TARGET, *SERVER_TARGETS, "url")
#: The targets that run a tool of their own, provisioned from the registry into the
#: harness's cache (``tools/NAME-VERSION``): target -> (distribution, version). The docker
#: runner bakes it into the index container's image, which has no network.
TOOL_TARGETS: dict[str, tuple[str, str]] = {
    "devpi": ("devpi-server", DEVPI_SERVER),
    STATIC_GENERATOR_TARGET: (GENERATOR, GENERATOR_VERSION),
}


class IndexTargetError(WheelnextError):
    """An index target is unknown or cannot start."""


class ServedIndexes(Protocol):
    """Running indexes: their URLs and request log (``wheelnext.index.IndexServer`` is one)."""

    @property
    def url(self) -> str: ...

    def index_url(self, name: str | None = None) -> str: ...

    @property
    def requests(self) -> Iterable[RequestRecord]: ...


def serve(
    target: str,
    roots: Mapping[str, Path],
    failures: Mapping[str | None, int],
    *,
    remote: RemoteIndex | None = None,
    labels: Mapping[str, tuple[str, str]] | None = None,
    personality: Personality = DEFAULT,
    cache: Path | None = None,
    refusals: list[Refusal] | None = None,
    sdist_gate: bool = False,
) -> contextlib.AbstractContextManager[ServedIndexes]:
    """Serve *roots* (name -> folder) with *target* on 127.0.0.1, or upload them to *remote*.

    For ``url``, *labels* maps each root's name to its scenario id and index name. The
    reference index serves *personality*: a static one as files behind a plain file
    server (:mod:`wheelnext.index.static`), a knockout from a process of its own
    (:mod:`~wheelnext.conformance.index_knockout`); the other targets are what they are.
    Targets filled by upload note the files the index refused in *refusals* when it is
    given (an index run), and otherwise fail to start. The reference index holds back the
    sdists PEP 777 forbids only with *sdist_gate* (an index run): installer runs hand them to
    the installer under test (:meth:`~wheelnext.index.features.Personality.listing_refused_sdists`).
    """
    if personality != DEFAULT and target != "reference":
        raise IndexTargetError(
            f"--index-personality {personality.name}: only --index-target reference has"
            " personalities"
        )
    if target == "url":
        if remote is None:
            raise IndexTargetError("--index-target url needs --index-url and --upload-command")
        return serve_remote(remote, roots, labels or {})
    if target == "reference" and personality.knocked_out:
        return serve_knockout(personality.knocked_out, roots, failures, sdist_gate=sdist_gate)
    if not sdist_gate:
        personality = personality.listing_refused_sdists()
    if target == "reference" and personality.static:
        return serve_static(roots, personality, failures=failures)
    if target == "reference":
        return serve_in_process(roots, failures=failures, personality=personality)
    if target == "pypiserver":
        return serve_pypiserver(roots, failures)
    if target == STATIC_GENERATOR_TARGET:
        return serve_generated(roots, failures, cache=cache or default_cache())
    if target == "pypiserver-server":
        if failures:
            raise IndexTargetError(
                "--index-target pypiserver-server: the harness cannot make it answer an error")
        return serve_pypiserver_server(roots, refusals=refusals)
    if target == "devpi":
        if failures:
            raise IndexTargetError(
                "--index-target devpi: the harness cannot make it answer an error")
        return serve_devpi(roots, cache=cache or default_cache(), refusals=refusals)
    raise IndexTargetError(f"--index-target {target!r}: expected one of {', '.join(TARGETS)}")


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """The harness keeps its own log."""


@dataclass
class PypiserverIndexes:
    """pypiserver applications, one per index, behind one loopback WSGI server."""

    host: str
    port: int
    records: list[RequestRecord] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def index_url(self, name: str | None = None) -> str:
        return f"{self.url}/{name}/simple/"

    @property
    def requests(self) -> list[RequestRecord]:
        return list(self.records)


@contextlib.contextmanager
def serve_pypiserver(
    roots: Mapping[str, Path], failures: Mapping[str | None, int]
) -> Iterator[PypiserverIndexes]:
    """Serve each root with its own pypiserver application under ``/NAME/``."""
    try:
        with warnings.catch_warnings():  # its vendored bottle imports the deprecated cgi
            warnings.simplefilter("ignore", DeprecationWarning)
            import pypiserver
            import pypiserver.bottle_wrapper
    except ImportError:
        raise IndexTargetError("--index-target pypiserver: pypiserver is not installed") from None

    apps = {
        name: pypiserver.app(
            roots=[str(root)], disable_fallback=True, authenticate=[], password_file="."
        )
        for name, root in roots.items()
    }
    lock = threading.Lock()
    server_holder: list[PypiserverIndexes] = []

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        name = path.split("/")[1] if path.count("/") >= 2 else ""
        status_seen: list[int] = []

        def recording_start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            status_seen.append(int(status.split()[0]))
            return start_response(status, headers, *rest)

        if name in failures:
            recording_start(f"{failures[name]} Injected", [("Content-Type", "text/plain")])
            body: Iterable[bytes] = [b"index made to fail by the conformance scenario\n"]
        elif name in apps:
            environ["SCRIPT_NAME"] = f"/{name}"
            environ["PATH_INFO"] = path[len(name) + 1 :]
            body = apps[name](environ, recording_start)
        else:
            recording_start("404 Not Found", [("Content-Type", "text/plain")])
            body = [b"no such index\n"]
        with lock:
            server_holder[0].records.append(
                RequestRecord(
                    index=name or None,
                    path=path,
                    method=environ.get("REQUEST_METHOD", "GET"),
                    status=status_seen[0] if status_seen else 500,
                    time=time.monotonic(),
                )
            )
        return body

    httpd = make_server("127.0.0.1", 0, dispatch, server_class=_Server, handler_class=_QuietHandler)
    served = PypiserverIndexes("127.0.0.1", httpd.server_address[1])
    server_holder.append(served)
    thread = threading.Thread(target=httpd.serve_forever, name="wheelnext-pypiserver", daemon=True)
    thread.start()
    try:
        yield served
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)
