"""The ``static`` personality: the index written as files, served by a plain file server.

PEP 691 "Does this mean that static servers are no longer supported?": "static servers
are still (almost) fully supported by this PEP"; a host like GitHub Pages that "does not
support custom content types" means "only ``text/html`` repositories would function".
So this personality has every HTML feature and no JSON. :func:`write_tree` writes every page as
``{prefix}/simple/index.html`` and ``{prefix}/simple/{project}/index.html``, and every
listed file (with its ``.metadata`` and the generated ``*-variants.json`` where the
personality has those features) under ``{prefix}/files/``.

:func:`serve_static` serves such a tree with the standard library's
:class:`http.server.SimpleHTTPRequestHandler` (what ``python -m http.server``
runs): the commonest static host, with no content negotiation at all (an
``Accept`` header is ignored; ``.html`` is always ``text/html``). Two of its
dynamic habits are turned off so that only files are served: a folder without
``index.html`` is not listed, and a folder asked for without its trailing ``/``
is a 404 rather than a redirect. Starlette's ``StaticFiles`` would do as well,
but it redirects folders too and would put the ASGI stack we test under both
personalities; the standard library server shares no code with the reference index.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from wheelnext.index import pages
from wheelnext.index.app import RequestLog, RequestRecord
from wheelnext.index.features import METADATA_VERBATIM, VARIANTS_FILE, Personality
from wheelnext.index.repository import Repository
from wheelnext.index.variants_file import parse_variants_filename


def _prefix(name: str | None) -> str:
    return f"/{name}" if name else ""


def write_tree(roots: Mapping[str, Path], dest: Path, personality: Personality) -> None:
    """Write each root ("": the unnamed index) as static pages and files under *dest*."""
    for name, root in roots.items():
        prefix = _prefix(name)
        repository = Repository(Path(root))
        base = dest / prefix.lstrip("/")
        simple, files = base / "simple", base / "files"
        files.mkdir(parents=True, exist_ok=True)
        names = repository.project_names()
        _write(simple / "index.html",
               pages.project_list_html(names, f"{prefix}/simple/", personality))
        for project_name in names:
            project = repository.project(project_name)
            if project is None:
                continue
            _write(simple / project_name / "index.html",
                   pages.project_html(project, f"{prefix}/files/", personality))
            for listed in pages.listed(project, personality):
                generated = project.generated.get(listed.filename)
                if generated is not None:
                    _write(files / listed.filename, generated)
                    continue
                path = repository.path_of(listed.filename)
                if path is None:
                    continue
                if parse_variants_filename(listed.filename) and not personality.has(
                    VARIANTS_FILE
                ):
                    continue
                shutil.copyfile(path, files / listed.filename)
                details = repository.details(listed.filename)
                if personality.metadata_files and details and details.core_metadata is not None:
                    _write(files / (listed.filename + ".metadata"),
                           details.core_metadata if personality.has(METADATA_VERBATIM)
                           else details.rebuilt_core_metadata or b"")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


class _Handler(SimpleHTTPRequestHandler):
    """Files only: no folder listings, no redirects; every request logged."""

    log: RequestLog
    failures: Mapping[str | None, int]

    def _index_of(self) -> str | None:
        first = self.path.split("?", 1)[0].lstrip("/").split("/", 1)[0]
        return first if first not in ("", "simple", "files") else None

    def send_head(self) -> Any:
        failure = self.failures.get(self._index_of())
        if failure is not None:
            self.send_error(failure, "index made to fail by the conformance scenario")
            return None
        path = self.translate_path(self.path)
        if os.path.isdir(path) and not self.path.split("?", 1)[0].endswith("/"):
            self.send_error(HTTPStatus.NOT_FOUND, "Not Found")
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(HTTPStatus.NOT_FOUND, "Not Found")
        return None

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log.append(RequestRecord(
            index=self._index_of(), path=self.path.split("?", 1)[0], method=self.command,
            status=int(code) if str(code).isdigit() else 0, time=time.monotonic(),
            query=self.path.partition("?")[2],
        ))

    def log_message(self, format: str, *args: Any) -> None:
        """The request log is :attr:`log`; nothing is printed."""


class StaticIndexes:
    """A static tree being served: its URLs and request log (like ``IndexServer``)."""

    def __init__(self, host: str, port: int, names: list[str], log: RequestLog) -> None:
        self.host, self.port, self.names, self.log = host, port, names, log

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def index_url(self, name: str | None = None) -> str:
        return f"{self.url}{_prefix(name)}/simple/"

    @property
    def requests(self) -> list[RequestRecord]:
        return self.log.records


@contextlib.contextmanager
def serve_static(
    roots: Mapping[str, Path],
    personality: Personality,
    *,
    failures: Mapping[str | None, int] | None = None,
    host: str = "127.0.0.1",
) -> Iterator[StaticIndexes]:
    """Write *roots* as a static tree and serve it on *host* (ephemeral port) for the block.

    *failures* maps index names to a status every request under them gets (the
    conformance harness's failing indexes, as for the other targets).
    """
    with tempfile.TemporaryDirectory(prefix="wheelnext-static-") as tmp:
        dest = Path(tmp)
        write_tree(roots, dest, personality)
        with serve_folder(dest, list(roots), failures=failures, host=host) as served:
            yield served


@contextlib.contextmanager
def serve_folder(
    dest: Path,
    names: list[str],
    *,
    failures: Mapping[str | None, int] | None = None,
    host: str = "127.0.0.1",
) -> Iterator[StaticIndexes]:
    """Serve the files under *dest* (index *names* as its first path segments) on *host*
    with the plain file server, logging every request, for the block."""
    log = RequestLog()
    handler = type("Handler", (_Handler,), {
        "log": log, "failures": {(k or None): v for k, v in (failures or {}).items()}})
    httpd = ThreadingHTTPServer((host, 0), partial(handler, directory=str(dest)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="wheelnext-static",
                              daemon=True)
    thread.start()
    try:
        yield StaticIndexes(host, httpd.server_address[1], names, log)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(30)
