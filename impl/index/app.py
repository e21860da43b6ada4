"""The index as a Starlette ASGI application.

URL layout, for the unnamed index (prefix ``""``) and each named index
(prefix ``/NAME``):

- ``{prefix}/simple/``: project list (PEP 503 / PEP 691);
- ``{prefix}/simple/{project}/``: project detail; unnormalized names and a
  missing ``/`` redirect to the canonical URL (PEP 503: "Repositories MAY
  redirect unnormalized URLs to the canonical normalized URL");
- ``{prefix}/files/{filename}``: a listed file, its ``.metadata`` (PEP 658)
  or a generated ``-variants.json`` (PEP 825). Nothing else is served.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.utils import canonicalize_name
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wheelnext.errors import WheelnextError
from wheelnext.index import negotiation, pages
from wheelnext.index.features import (
    DEFAULT,
    JSON_API,
    METADATA_VERBATIM,
    VARIANTS_FILE,
    WHLX_FILES,
    Personality,
)
from wheelnext.index.repository import Repository
from wheelnext.index.variants_file import parse_variants_filename

#: Index names become a URL path segment; ``simple`` and ``files`` would clash.
INDEX_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
RESERVED_NAMES = frozenset({"simple", "files"})

Format = Literal["html", "json"]
_OFFERED: dict[str, tuple[str, ...]] = {
    "html": (negotiation.HTML, negotiation.LEGACY_HTML),
    "json": (negotiation.JSON,),
}

#: Content types of served files (pages are negotiated).
_FILE_TYPES = (
    (".metadata", "text/plain; charset=utf-8"),
    (".json", "application/json"),
    (".tar.gz", "application/gzip"),
    (".whl", "application/zip"),
    (".whlx", "application/zip"),
    (".zip", "application/zip"),
)


class InvalidIndexName(WheelnextError):
    """An index name that cannot be a URL path segment."""


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it, for the conformance harness."""

    #: The named index the path belongs to; None for the unnamed index or none.
    index: str | None
    path: str
    method: str
    status: int
    #: ``time.monotonic()`` when the response started.
    time: float
    #: The response's Content-Type (which serialization was served), if any.
    content_type: str | None = None
    query: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class RequestLog:
    """Thread-safe, ordered list of :class:`RequestRecord`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    @property
    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def __iter__(self) -> Iterator[RequestRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)


class FailureSwitch:
    """Makes chosen indexes answer every request with an error status (PEP 766 scenarios)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status: dict[str | None, int] = {}

    def set(self, name: str | None, status: int | None) -> None:
        with self._lock:
            if status is None:
                self._status.pop(name, None)
            else:
                self._status[name] = status

    def get(self, name: str | None) -> int | None:
        with self._lock:
            return self._status.get(name)


def validate_index_name(name: str) -> str:
    if not INDEX_NAME_RE.match(name) or name.lower() in RESERVED_NAMES:
        raise InvalidIndexName(
            f"index name {name!r}: use letters, digits, '.', '_', '-' (not 'simple' or 'files')"
        )
    return name


class IndexApp:
    """ASGI application serving one or more :class:`Repository` roots."""

    def __init__(
        self,
        roots: Mapping[str | None, Path],
        *,
        request_log: RequestLog | None = None,
        failures: FailureSwitch | None = None,
        formats: Collection[Format] = ("html", "json"),
        personality: Personality = DEFAULT,
    ) -> None:
        """*personality* names the features served (:mod:`~wheelnext.index.features`);
        without ``json-api`` only HTML is offered, whatever *formats* says."""
        self.repositories: dict[str | None, Repository] = {}
        for name, root in roots.items():
            if name is not None:
                validate_index_name(name)
            if not Path(root).is_dir():
                raise WheelnextError(f"{root}: index root is not a directory")
            self.repositories[name] = Repository(Path(root))
        if not formats or not set(formats) <= set(_OFFERED):
            raise WheelnextError(f"formats {sorted(formats)!r}: choose from 'html', 'json'")
        if not personality.has(JSON_API):
            formats = [f for f in formats if f != "json"] or ["html"]
        self.offered = tuple(t for f in formats for t in _OFFERED[f])
        self.personality = personality
        self.request_log = request_log
        self.failures = failures if failures is not None else FailureSwitch()

    def _split(self, path: str) -> tuple[str | None, str, str] | None:
        """(index name, prefix, rest of path) for *path*, or None."""
        if None in self.repositories and path.startswith(("/simple", "/files/")):
            return None, "", path
        first, sep, rest = path[1:].partition("/")
        if first in self.repositories and first is not None:
            return first, "/" + first, "/" + rest if sep else ""
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            message = await receive()
            while message["type"] != "lifespan.shutdown":
                await send({"type": message["type"] + ".complete"})
                message = await receive()
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        split = self._split(scope["path"])
        index = split[0] if split else None
        recorded = self._recording(send, scope, index)
        response = self._respond(Request(scope, receive), split)
        await response(scope, receive, recorded)

    def _recording(self, send: Send, scope: Scope, index: str | None) -> Send:
        log = self.request_log
        if log is None:
            return send

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                content_type = None
                for key, value in message.get("headers", ()):
                    if key.lower() == b"content-type":
                        content_type = value.decode("latin-1")
                log.append(
                    RequestRecord(
                        index=index,
                        path=scope["path"],
                        method=scope["method"],
                        status=message["status"],
                        time=time.monotonic(),
                        content_type=content_type,
                        query=scope.get("query_string", b"").decode("latin-1"),
                    )
                )
            await send(message)

        return wrapped

    def _respond(self, request: Request, split: tuple[str | None, str, str] | None) -> Response:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("Method Not Allowed", 405, headers={"Allow": "GET, HEAD"})
        if split is None:
            if request.url.path == "/":
                return self._home()
            return _not_found()
        index, prefix, rest = split
        failure = self.failures.get(index)
        if failure is not None:
            return PlainTextResponse(f"index {index or '(root)'} is failing on purpose", failure)
        repository = self.repositories[index]
        if rest in ("", "/simple"):
            return _redirect(request, f"{prefix}/simple/")
        if rest.startswith("/files/"):
            return self._file(request, repository, rest[len("/files/"):])
        if not rest.startswith("/simple/"):
            return _not_found()
        project = rest[len("/simple/"):]
        if project == "":
            return self._project_list(request, repository, prefix)
        name, slash, extra = project.partition("/")
        if extra or name in ("", ".", ".."):
            return _not_found()
        normalized = canonicalize_name(name)
        if name != normalized or not slash:
            return _redirect(request, f"{prefix}/simple/{normalized}/")
        return self._project(request, repository, prefix, normalized)

    def _negotiate(self, request: Request) -> str | None:
        return negotiation.select(
            request.headers.get("accept"), request.query_params.get("format"), self.offered
        )

    def _page(self, content_type: str, html: bytes | None, json_body: bytes | None) -> Response:
        body = json_body if content_type == negotiation.JSON else html
        assert body is not None
        return Response(
            body,
            media_type=content_type,
            headers={"Vary": "Accept", "Cache-Control": "max-age=0, must-revalidate"},
        )

    def _project_list(self, request: Request, repository: Repository, prefix: str) -> Response:
        content_type = self._negotiate(request)
        if content_type is None:
            return _not_acceptable(self.offered)
        names = list(repository.project_names())
        if content_type == negotiation.JSON:
            return self._page(content_type, None, pages.project_list_json(names))
        html = pages.project_list_html(names, f"{prefix}/simple/", self.personality)
        return self._page(content_type, html, None)

    def _project(
        self, request: Request, repository: Repository, prefix: str, name: str
    ) -> Response:
        project = repository.project(canonicalize_name(name))
        if project is None:
            return _not_found()
        content_type = self._negotiate(request)
        if content_type is None:
            return _not_acceptable(self.offered)
        files_base = f"{prefix}/files/"
        if content_type == negotiation.JSON:
            body = pages.project_json(project, files_base, self.personality)
            return self._page(content_type, None, body)
        return self._page(
            content_type, pages.project_html(project, files_base, self.personality), None
        )

    def _file(self, request: Request, repository: Repository, filename: str) -> Response:
        if parse_variants_filename(filename) and not self.personality.has(VARIANTS_FILE):
            return _not_found()
        if filename.endswith(".metadata"):
            if not self.personality.metadata_files:
                return _not_found()
            if filename.endswith(".whlx.metadata") and not self.personality.has(WHLX_FILES):
                return _not_found()
            details = repository.details(filename[: -len(".metadata")])
            if details is None or details.core_metadata is None:
                return _not_found()
            served = (details.core_metadata if self.personality.has(METADATA_VERBATIM)
                      else details.rebuilt_core_metadata)
            return _bytes(request, served or b"", _media_type(filename))
        if filename.endswith(".whlx") and not self.personality.has(WHLX_FILES):
            return _not_found()
        path = repository.path_of(filename)
        if path is not None:
            details = repository.details(filename)
            if details is None:
                return _not_found()
            etag = f'"{details.sha256}"'
            if _etag_matches(request, etag):
                return Response(status_code=304, headers={"ETag": etag})
            return FileResponse(path, media_type=_media_type(filename), headers={"ETag": etag})
        generated = self._generated(repository, filename)
        if generated is None:
            return _not_found()
        return _bytes(request, generated, _media_type(filename))

    def _generated(self, repository: Repository, filename: str) -> bytes | None:
        parsed = parse_variants_filename(filename)
        if parsed is None:
            return None
        project = repository.project(canonicalize_name(parsed[0]))
        return None if project is None else project.generated.get(filename)

    def _home(self) -> Response:
        names = [n for n in self.repositories if n is not None]
        links = ([""] if None in self.repositories else []) + [f"/{n}" for n in names]
        body = "".join(f'<a href="{link}/simple/">{link or "/"}simple/</a><br>\n' for link in links)
        return Response(
            f"<!DOCTYPE html>\n<html><body>\n{body}</body></html>\n", media_type="text/html"
        )


def _media_type(filename: str) -> str:
    for suffix, media_type in _FILE_TYPES:
        if filename.endswith(suffix):
            return media_type
    return "application/octet-stream"


def _etag_matches(request: Request, etag: str) -> bool:
    header = request.headers.get("if-none-match")
    if header is None:
        return False
    return any(tag.strip() in (etag, "*", "W/" + etag) for tag in header.split(","))


def _bytes(request: Request, body: bytes, media_type: str) -> Response:
    import hashlib

    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    if _etag_matches(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type=media_type, headers={"ETag": etag})


def _redirect(request: Request, path: str) -> Response:
    query = request.url.query
    return RedirectResponse(path + ("?" + query if query else ""), status_code=301)


def _not_found() -> Response:
    return PlainTextResponse("Not Found", 404)


def _not_acceptable(offered: tuple[str, ...]) -> Response:
    # PEP 691 Recommendations: "return a 406 Not Acceptable response".
    return PlainTextResponse("Not Acceptable; available: " + ", ".join(offered), 406)


def create_app(
    roots: Path | Mapping[str, Path],
    *,
    request_log: RequestLog | None = None,
    failures: FailureSwitch | None = None,
    formats: Collection[Format] = ("html", "json"),
    personality: Personality = DEFAULT,
) -> ASGIApp:
    """The ASGI application for *roots*.

    A :class:`~pathlib.Path` is served as one index under ``/simple/``; a
    mapping serves each directory under ``/NAME/simple/`` (the key ``""``
    stands for the unnamed index under ``/simple/``). *formats* restricts
    the serializations offered, to prove which one a client can use.
    """
    mapping: dict[str | None, Path]
    if isinstance(roots, (str, Path)):
        mapping = {None: Path(roots)}
    else:
        mapping = {(name or None): Path(root) for name, root in roots.items()}
    return IndexApp(
        mapping,
        request_log=request_log,
        failures=failures,
        formats=formats,
        personality=personality,
    )
