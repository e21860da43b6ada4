"""Finding distributions on simple-API indexes: pages, metadata and files, cached per index.

* Pages: PEP 691 JSON is asked for first ("application/vnd.pypi.simple.v1+json"), PEP 503 HTML
  accepted as the fallback through content negotiation (PEP 691, "Version + Format
  Selection"); one ``httpx.Client`` keeps connections open across requests.
* Metadata: PEP 658 / PEP 714: "the metadata file MUST be served at the URL of the
  distribution with ``.metadata`` appended" when a file advertises ``core-metadata``; otherwise
  the wheel is downloaded and its ``METADATA`` read.
* Cache: PEP 766, "Cache keys": "caching and lockfiles should now include the index from which
  distributions were downloaded", so every cached file lives under a folder named after the
  hash of its index URL, and is re-checked against the page's ``sha256`` on use. Project pages
  are cached there too, with their ``ETag`` / ``Last-Modified``, and revalidated on every run
  (a ``304 Not Modified`` reuses the cached page).
* Untrusted answers: every field of a page is type-checked, a listed file name must be one
  safe path component (else the page is refused) and a wheel or sdist name (else the entry is
  skipped); cached files live under a digest of their URL, never under a name alone. Pages,
  metadata files and downloads are read with size caps (pages: ``WHEELNEXT_MAX_PAGE_BYTES``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

# httpx's __init__ imports its own command-line tool (click, rich, pygments: about 25 ms)
# whenever those are installed; the installer never runs it. A None entry in sys.modules
# makes that optional import fail as it does where they are absent (httpx then defines a
# stub ``httpx.main``); the entry is removed again right after.
_SKIP_HTTPX_CLI = "httpx" not in sys.modules and "httpx._main" not in sys.modules
if _SKIP_HTTPX_CLI:
    sys.modules["httpx._main"] = None  # type: ignore[assignment]
import httpx  # noqa: E402

if _SKIP_HTTPX_CLI:
    del sys.modules["httpx._main"]
from packaging.utils import canonicalize_name  # noqa: E402

from wheelnext.errors import InvalidFilename, UnsafeArtifact, WheelnextError  # noqa: E402
from wheelnext.filenames import (  # noqa: E402
    check_file_component,
    check_index_filename,
    parse_variants_filename,
    short,
)
from wheelnext.index_priority import Index, IndexUnavailable  # noqa: E402
from wheelnext.install.log import LOG  # noqa: E402

#: PEP 691: JSON preferred, HTML as fallback (the ``q`` values order them).
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
)
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
#: The largest project page read (bytes after any Content-Encoding is undone); overridden by
#: the ``WHEELNEXT_MAX_PAGE_BYTES`` environment variable. PyPI's largest pages are a few MB.
MAX_PAGE_BYTES = 64 * 1024 * 1024
PAGE_LIMIT_VARIABLE = "WHEELNEXT_MAX_PAGE_BYTES"
#: The largest PEP 658 metadata file or index-level JSON file read.
MAX_METADATA_BYTES = 16 * 1024 * 1024
#: The longest file URL accepted from a page (it is repeated in error lines).
MAX_URL_LENGTH = 8192


class DownloadError(WheelnextError):
    """A file could not be downloaded, or its bytes do not match the index's hash."""


class InvalidIndexJson(WheelnextError):
    """A JSON file an index lists (``*-variants.json``) does not meet its format."""


class PageError(WheelnextError):
    """A project page field has the wrong type or an unsafe value (message names the field)."""


class TooLarge(WheelnextError):
    """An answer is longer than the cap for its kind."""


@dataclass(frozen=True)
class IndexFile:
    """One file of a project page, with the index it was listed on."""

    filename: str
    url: str
    index: str
    index_url: str
    hashes: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    requires_python: str | None = None
    #: None: not yanked; "" yanked without reason (PEP 592).
    yanked: str | None = None
    #: PEP 714 ``core-metadata``: hashes of the metadata file, or None when not offered.
    core_metadata: dict[str, str] | None = field(default=None, hash=False, compare=False)
    size: int | None = None

    @property
    def sha256(self) -> str | None:
        return self.hashes.get("sha256")


class _AnchorParser(Protocol):
    anchors: list[tuple[dict[str, str | None], str]]

    def feed(self, data: str) -> None: ...


@functools.cache
def _anchors_type() -> type[_AnchorParser]:
    """The PEP 503 anchor parser class, defined on the first HTML page: ``html.parser`` is
    not imported by runs that read only PEP 691 JSON pages (the common case, a few ms)."""
    from html.parser import HTMLParser

    class _Anchors(HTMLParser):
        """PEP 503: each ``<a>`` of a project page with its attributes (by hand: tiny)."""

        def __init__(self) -> None:
            super().__init__()
            self.anchors: list[tuple[dict[str, str | None], str]] = []
            self._current: dict[str, str | None] | None = None
            self._text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "a":
                self._current, self._text = dict(attrs), []

        def handle_data(self, data: str) -> None:
            if self._current is not None:
                self._text.append(data)

        def handle_endtag(self, tag: str) -> None:
            if tag == "a" and self._current is not None:
                self.anchors.append((self._current, "".join(self._text).strip()))
                self._current = None

    return _Anchors


def _hash_dict(text: str | None) -> dict[str, str] | None:
    if text is None:
        return None
    if text in ("", "true"):
        return {}
    algorithm, sep, value = text.partition("=")
    return {algorithm: value} if sep else {}


def parse_html_page(body: str, page_url: str, index: Index) -> list[IndexFile]:
    """Files of a PEP 503 project page (hash in the fragment, PEP 592 / 658 / 714 attributes)."""
    parser = _anchors_type()()
    parser.feed(body)
    files = []
    for attrs, text in parser.anchors:
        href = attrs.get("href")
        if not href:
            continue
        if len(href) > MAX_URL_LENGTH:
            raise PageError(f"<a href={short(href)!r}>: longer than {MAX_URL_LENGTH} characters")
        url, fragment = urldefrag(urljoin(page_url, href))
        filename = _listed_name(unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or text,
                                f"<a href={short(href)!r}>")
        if filename is None:
            continue
        hashes = _hash_dict(fragment) or {}
        metadata = _hash_dict(attrs["data-core-metadata"]) if "data-core-metadata" in attrs else (
            _hash_dict(attrs["data-dist-info-metadata"])
            if "data-dist-info-metadata" in attrs else None
        )
        yanked = (attrs.get("data-yanked") or "") if "data-yanked" in attrs else None
        files.append(IndexFile(filename, url, index.name, index.url, hashes,
                               attrs.get("data-requires-python"), yanked, metadata))
    return files


def _listed_name(filename: str, where: str) -> str | None:
    """*filename* if it names a wheel, sdist or ``-variants.json`` file; None (skipped) for
    other names; :class:`PageError` for a name that is not one safe path component."""
    try:
        check_file_component(filename)
    except InvalidFilename as exc:
        raise PageError(f"{where}: {exc}") from None
    if parse_variants_filename(filename) is not None:
        return filename
    try:
        return check_index_filename(filename)
    except InvalidFilename as exc:
        LOG.debug("%s: skipped: %s", where, exc)
        return None


def _typed(entry: dict[str, Any], key: str, kinds: tuple[type, ...], where: str,
           what: str) -> Any:
    value = entry.get(key)
    if value is None and type(None) in kinds:
        return None
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise PageError(f"{where}.{key}: expected {what}, got {type(value).__name__}")
    return value


def _hashes(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise PageError(f"{where}: expected an object of strings")
    return dict(value)


def parse_json_page(data: Any, page_url: str, index: Index) -> list[IndexFile]:
    """Files of a PEP 691 project page, each field type-checked before use.

    Simple repository API (``../shared/specs/pypa/simple-repository-api.rst``), JSON project
    detail: ``filename`` and ``url`` are strings, ``hashes`` a dictionary, ``yanked`` "either
    a boolean ... or a non empty, but otherwise arbitrary, string", ``core-metadata``
    "either a boolean ... or a dictionary", and ``size`` "MUST contain an integer".
    """
    if not isinstance(data, dict):
        raise PageError("page: expected a JSON object")
    entries = data.get("files", [])
    if not isinstance(entries, list):
        raise PageError("files: expected a list")
    files = []
    for number, entry in enumerate(entries):
        where = f"files[{number}]"
        if not isinstance(entry, dict):
            raise PageError(f"{where}: expected an object")
        raw_name = _typed(entry, "filename", (str,), where, "a string")
        url = _typed(entry, "url", (str,), where, "a string")
        if len(url) > MAX_URL_LENGTH:
            raise PageError(f"{where}.url: longer than {MAX_URL_LENGTH} characters")
        hashes = _hashes(entry.get("hashes", {}), f"{where}.hashes")
        requires_python = _typed(entry, "requires-python", (str, type(None)), where,
                                 "a string")
        yanked = _typed(entry, "yanked", (bool, str, type(None)), where,
                        "a boolean or a string")
        key = "core-metadata" if "core-metadata" in entry else "dist-info-metadata"
        metadata = _typed(entry, key, (bool, dict, type(None)), where,
                          "a boolean or an object")
        size = _typed(entry, "size", (int, type(None)), where, "an integer")
        if isinstance(size, int) and size < 0:
            raise PageError(f"{where}.size: expected a non-negative integer")
        filename = _listed_name(raw_name, f"{where}.filename")
        if filename is None:
            continue
        files.append(IndexFile(
            filename=filename,
            url=urljoin(page_url, url),
            index=index.name,
            index_url=index.url,
            hashes=hashes,
            requires_python=requires_python,
            yanked=None if yanked in (False, None) else ("" if yanked is True else yanked),
            core_metadata=(_hashes(metadata, f"{where}.{key}") if isinstance(metadata, dict)
                           else ({} if metadata else None)),
            size=size,
        ))
    return files


class _LazyTransport(httpx.BaseTransport):
    """An HTTPS transport created on first use: building its certificate-verifying SSL
    context costs tens of milliseconds that a run against plain-HTTP indexes never needs."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._real: httpx.HTTPTransport | None = None
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            if self._real is None:
                self._real = httpx.HTTPTransport(limits=self._limits)
        return self._real.handle_request(request)

    def close(self) -> None:
        if self._real is not None:
            self._real.close()


def index_key(url: str) -> str:
    """The cache folder of an index: PEP 766 keys caches by index."""
    return hashlib.sha256(url.encode()).hexdigest()[:20]


def url_key(url: str) -> str:
    """The cache folder of one file: a digest of its URL, so no listed name picks a path."""
    return hashlib.sha256(url.encode()).hexdigest()[:32]


def page_limit() -> int:
    """:data:`MAX_PAGE_BYTES`, or the ``WHEELNEXT_MAX_PAGE_BYTES`` environment variable."""
    text = os.environ.get(PAGE_LIMIT_VARIABLE)
    if not text:
        return MAX_PAGE_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise WheelnextError(f"{PAGE_LIMIT_VARIABLE}={short(text)!r}: expected a positive "
                             "number of bytes")
    return value


def read_capped(response: httpx.Response, limit: int, what: str, hint: str = "") -> bytes:
    """The body of a streamed *response*, refused once it passes *limit* bytes (decoded:
    a compressed answer counts at its inflated size)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit and "content-encoding" not in response.headers:
        raise TooLarge(f"{what}: answer of {declared} bytes is above the limit of {limit} "
                       f"bytes{hint}")
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes(1 << 16):
        total += len(chunk)
        if total > limit:
            raise TooLarge(f"{what}: answer is above the limit of {limit} bytes{hint}")
        chunks.append(chunk)
    return b"".join(chunks)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Finder:
    """Reads pages, metadata and files of several indexes through one HTTP client."""

    def __init__(self, cache_dir: Path | None = None, *, timeout: float = 30.0,
                 client: httpx.Client | None = None, max_page_bytes: int | None = None,
                 max_metadata_bytes: int = MAX_METADATA_BYTES) -> None:
        self.max_page_bytes = max_page_bytes or page_limit()
        self.max_metadata_bytes = max_metadata_bytes
        #: None: a throw-away cache, removed by :meth:`close`.
        self._temporary = cache_dir is None
        self.cache_dir = cache_dir or Path(tempfile.mkdtemp(prefix="wheelnext-cache-"))
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
        proxied = any(key.lower().endswith("_proxy") for key in os.environ)
        if client is not None:
            self.client = client
        elif proxied:
            # httpx's own transports, so the environment's proxies apply as configured.
            self.client = httpx.Client(timeout=timeout, follow_redirects=True, limits=limits)
        else:
            self.client = httpx.Client(
                timeout=timeout, follow_redirects=True,
                # Plain HTTP never negotiates TLS: no certificate store to load (~40 ms).
                transport=httpx.HTTPTransport(verify=False, limits=limits),
                mounts={"https://": _LazyTransport(limits)},
            )
        self._pages: dict[tuple[str, str], Future[list[IndexFile] | None]] = {}
        self._json: dict[str, Any] = {}
        self._metadata: dict[str, Future[bytes]] = {}
        self._downloads: dict[str, Future[Path]] = {}
        #: URLs of wheels whose own METADATA matched the PEP 658 file read for them.
        self._verified: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(8, thread_name_prefix="wheelnext-finder")
        #: every (index, project) page asked for, in order (debug output, tests).
        self.asked: list[tuple[str, str]] = []

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.client.close()
        if self._temporary:
            shutil.rmtree(self.cache_dir, ignore_errors=True)

    def prefetch(self, index: Index, project: str,
                 then: Callable[[list[IndexFile]], None] | None = None) -> None:
        """Fetch a page in the background (and run *then* on its files), ignoring errors:
        the resolver asks again and sees any error then."""
        def job() -> None:
            try:
                files = self.project_files(index, project)
                if files and then is not None:
                    then(files)
            except Exception:  # a hint only: the real request reports errors
                return

        self._pool.submit(job)

    def project_files(self, index: Index, project: str) -> list[IndexFile] | None:
        """The files of *project* on *index*, or None when the index does not have it (404).

        One request per page and run, even when several threads ask at once.
        """
        name = canonicalize_name(project)
        key = (index.url, name)
        with self._lock:
            future = self._pages.get(key)
            owner = future is None
            if future is None:
                future = self._pages[key] = Future()
        if not owner:
            return future.result()
        try:
            files = self._read_page(index, name)
        except BaseException as exc:
            future.set_exception(exc)
            with self._lock:
                del self._pages[key]
            raise
        future.set_result(files)
        return files

    def _page_cache(self, index: Index, name: str) -> Path:
        return self.cache_dir / index_key(index.url) / "pages" / f"{name}.json"

    def _read_page(self, index: Index, name: str) -> list[IndexFile] | None:
        """One project page; revalidated with the validators of the copy cached for this
        index (``ETag`` / ``Last-Modified``), so a warm run downloads only changed pages."""
        url = index.url.rstrip("/") + "/" + name + "/"
        LOG.debug("%s: GET %s (index %s)", name, url, index.name)
        self.asked.append((index.name, name))
        cache = self._page_cache(index, name)
        cached: dict[str, Any] | None = None
        headers = {"Accept": ACCEPT}
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = None
        if isinstance(cached, dict) and isinstance(cached.get("body"), str):
            if cached.get("etag"):
                headers["If-None-Match"] = str(cached["etag"])
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = str(cached["last_modified"])
        else:
            cached = None
        try:
            with self.client.stream("GET", url, headers=headers) as response:
                status = response.status_code
                if status == 200:
                    hint = f" (raise it with {PAGE_LIMIT_VARIABLE})"
                    raw = read_capped(response, self.max_page_bytes,
                                      f"index {index.name}: {url}", hint)
        except httpx.HTTPError as exc:
            raise IndexUnavailable(index.name,
                                   f"index {index.name}: cannot reach {url} ({exc})") from None
        if status == 304 and cached is not None:
            LOG.debug("%s: page unchanged on index %s (cached copy)", name, index.name)
            return self._parse_page(index, url, str(cached.get("url") or url),
                                    str(cached.get("content_type") or ""), cached["body"])
        if status in (404, 410):
            return None
        if status != 200:
            raise IndexUnavailable(
                index.name, f"index {index.name}: {url} answered HTTP {status}")
        page_url = str(response.url)
        content_type = response.headers.get("content-type", "").split(";")[0].strip()
        body = raw.decode(response.charset_encoding or "utf-8", "replace")
        files = self._parse_page(index, url, page_url, content_type, body)
        etag, modified = response.headers.get("etag"), response.headers.get("last-modified")
        if etag or modified:
            record = {"url": page_url, "content_type": content_type, "etag": etag,
                      "last_modified": modified, "body": body}
            with contextlib.suppress(OSError):
                self._write(cache, json.dumps(record).encode("utf-8"))
        return files

    @staticmethod
    def _parse_page(index: Index, url: str, page_url: str, content_type: str,
                    body: str) -> list[IndexFile]:
        try:
            if content_type == JSON_TYPE or content_type == "application/json":
                return parse_json_page(json.loads(body), page_url, index)
            return parse_html_page(body, page_url, index)
        except PageError as exc:
            raise PageError(f"index {index.name}: {url}: {exc}") from None
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise IndexUnavailable(
                index.name,
                f"index {index.name}: {url}: unreadable page ({short(str(exc), 200)})") from None

    def _cache_path(self, file: IndexFile, kind: str) -> Path:
        """``<index digest>/<kind>/<URL digest>/<file name>``: the folder comes from digests
        alone; the name (re-checked here) is one safe component inside it."""
        return (self.cache_dir / index_key(file.index_url) / kind / url_key(file.url)
                / check_file_component(file.filename))

    def _fetch_bytes(self, url: str, index: str, limit: int) -> bytes:
        try:
            with self.client.stream("GET", url, headers={"Accept": "*/*"}) as response:
                if response.status_code != 200:
                    raise IndexUnavailable(index, f"index {index}: {url} answered HTTP "
                                           f"{response.status_code}")
                return read_capped(response, limit, f"index {index}: {url}")
        except httpx.HTTPError as exc:
            raise IndexUnavailable(index, f"index {index}: cannot reach {url} ({exc})") from None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)

    def metadata(self, file: IndexFile) -> bytes:
        """Core metadata of a wheel: PEP 658 when offered, else from the downloaded wheel."""
        with self._lock:
            future = self._metadata.get(file.url)
            owner = future is None
            if future is None:
                future = self._metadata[file.url] = Future()
        if not owner:
            return future.result()
        try:
            data = self._read_metadata(file)
        except BaseException as exc:
            future.set_exception(exc)
            with self._lock:
                del self._metadata[file.url]
            raise
        future.set_result(data)
        return data

    def _read_metadata(self, file: IndexFile) -> bytes:
        cached = self._cache_path(file, "metadata")
        if cached.exists():
            return cached.read_bytes()
        if file.core_metadata is not None:
            data = self._fetch_bytes(file.url + ".metadata", file.index,
                                     self.max_metadata_bytes)
            expected = file.core_metadata.get("sha256")
            if expected and hashlib.sha256(data).hexdigest() != expected:
                raise UnsafeArtifact(f"{file.filename}.metadata: does not match the index's "
                                     "core-metadata hash")
        else:
            data = self._metadata_from_wheel(self.download(file))
        self._write(cached, data)
        return data

    @staticmethod
    def _metadata_from_wheel(path: Path) -> bytes:
        from wheelnext.wheel2.source import WheelArchive

        with WheelArchive.open(path) as archive:
            return archive.read_dist_info("METADATA").encode("utf-8")

    def _discard(self, file: IndexFile) -> None:
        """Remove *file*'s cached copies and the folders they leave empty: the run is about
        to fail, and a refused artifact leaves nothing behind."""
        for kind in ("metadata", "files"):
            cached = self._cache_path(file, kind)
            with contextlib.suppress(OSError):
                cached.unlink()
            for folder in (cached.parent, cached.parent.parent, cached.parent.parent.parent):
                with contextlib.suppress(OSError):
                    folder.rmdir()

    def prefetch_download(self, file: IndexFile) -> None:
        """Start downloading a file the resolver has just chosen (errors surface later)."""
        def job() -> None:
            try:
                self.download(file)
            except Exception:  # a hint only: download_all asks again and reports
                return

        self._pool.submit(job)

    def download(self, file: IndexFile,
                 progress: Callable[[int, int | None], None] | None = None) -> Path:
        """The file on disk (cache hit or fresh download), its ``sha256`` checked; one
        download per file and run, even when several threads ask at once."""
        with self._lock:
            future = self._downloads.get(file.url)
            owner = future is None
            if future is None:
                future = self._downloads[file.url] = Future()
        if not owner:
            path = future.result()
            if progress is not None:
                size = path.stat().st_size
                progress(size, size)
            self._verify_metadata(file, path)
            return path
        try:
            path = self._download(file, progress)
        except BaseException as exc:
            future.set_exception(exc)
            with self._lock:
                del self._downloads[file.url]
            raise
        future.set_result(path)
        self._verify_metadata(file, path)
        return path

    def _verify_metadata(self, file: IndexFile, path: Path) -> None:
        """Refuse a wheel whose own ``METADATA`` differs from the PEP 658 file read for it.

        PEP 658 (``../shared/specs/peps/pep-0658.rst``): the metadata "must be identical to
        the distribution's canonical metadata file, such as a wheel's ``METADATA`` file";
        dependencies were resolved from that file, so a difference means the resolution used
        metadata the wheel does not have (a ``Requires-Dist`` missing, say).
        """
        if file.core_metadata is None or not file.filename.endswith((".whl", ".whlx")):
            return
        with self._lock:
            if file.url in self._verified:
                return
            future = self._metadata.get(file.url)
        if future is None or not future.done() or future.exception() is not None:
            return
        if self._metadata_from_wheel(path) != future.result():
            self._discard(file)
            raise UnsafeArtifact(f"{file.filename}.metadata (index {file.index}): differs "
                                 "from the wheel's own METADATA; PEP 658 requires them identical")
        with self._lock:
            self._verified.add(file.url)

    def _download(self, file: IndexFile,
                  progress: Callable[[int, int | None], None] | None) -> Path:
        target = self._cache_path(file, "files")
        if target.exists() and (file.sha256 is None or _sha256_file(target) == file.sha256):
            if progress is not None:
                progress(target.stat().st_size, target.stat().st_size)
            return target
        LOG.debug("downloading %s from index %s", file.filename, file.index)
        # Downloaded into a private folder at the cache's top and moved into place only once
        # every check passed: a refused file leaves the cache as it was.
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        part = Path(tempfile.mkdtemp(dir=self.cache_dir, prefix=".part-"))
        temp = part / target.name
        digest = hashlib.sha256()
        try:
            with open(temp, "xb") as handle, self.client.stream("GET", file.url) as response:
                if response.status_code != 200:
                    raise IndexUnavailable(file.index, f"index {file.index}: {file.url} "
                                           f"answered HTTP {response.status_code}")
                declared = response.headers.get("content-length", "")
                total = int(declared) if declared.isdigit() and int(declared) else None
                if file.size is not None and total is not None and total > file.size:
                    raise DownloadError(f"{file.filename}: index {file.index} answers "
                                        f"{total} bytes, its page lists {file.size}")
                done = 0
                for chunk in response.iter_bytes(1 << 16):
                    if file.size is not None and done + len(chunk) > file.size:
                        raise DownloadError(f"{file.filename}: longer than the {file.size} "
                                            f"bytes index {file.index} lists")
                    handle.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, total)
            if file.sha256 and digest.hexdigest() != file.sha256:
                raise DownloadError(f"{file.filename}: downloaded bytes do not match the sha256 "
                                    f"listed by index {file.index}")
            self._verify_metadata(file, temp)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temp, target)
        except httpx.HTTPError as exc:
            raise IndexUnavailable(file.index, f"index {file.index}: cannot download "
                                   f"{file.url} ({exc})") from None
        finally:
            shutil.rmtree(part, ignore_errors=True)
        return target

    def json_file(self, file: IndexFile) -> dict[str, Any]:
        """A JSON file listed on a page (``*-variants.json``), read once per run.

        Parsed strictly (a repeated key, deep nesting or bad UTF-8 is an error): PEP 825 "A
        tool SHOULD NOT rely on data that the tool has established does not meet the
        specification format", so such a file raises :class:`InvalidIndexJson`, which the
        caller turns into ignoring the variant wheels ("degrade gracefully").
        """
        with self._lock:
            if file.url in self._json:
                return dict(self._json[file.url])
        from wheelnext.variants.errors import InvalidVariantMetadata
        from wheelnext.variants.jsonio import loads_strict

        raw = self._fetch_bytes(file.url, file.index, self.max_metadata_bytes)
        try:
            data = loads_strict(raw, f"{file.filename} (index {file.index})")
        except InvalidVariantMetadata as exc:
            raise InvalidIndexJson(str(exc)) from None
        if not isinstance(data, dict):
            raise InvalidIndexJson(f"{file.filename} (index {file.index}): expected a JSON "
                                   "object")
        with self._lock:
            self._json[file.url] = data
        return dict(data)


def read_wheel_metadata(path: Path) -> bytes:
    """``METADATA`` of a local wheel (``.whl`` or ``.whlx``)."""
    try:
        return Finder._metadata_from_wheel(path)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise UnsafeArtifact(f"{path.name}: cannot read METADATA ({exc})") from None


__all__ = ["Finder", "IndexFile", "parse_html_page", "parse_json_page", "read_wheel_metadata"]
