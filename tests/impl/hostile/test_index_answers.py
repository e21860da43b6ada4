"""Hostile index answers: each is refused with one line and exit status 2, and writes nothing.

A real loopback HTTP server answers as a malicious or broken index would: project pages with
path-traversing or ill-typed file names, pages and metadata files past the size caps, a gzip
bomb, downloads longer than the page says, a PEP 658 metadata file that hides a dependency.
Each case runs ``wheelnext install`` in-process through the console entry point and the
shared witness checks the target's parent, the cache, HOME, the base interpreter and a canary
search.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from _support.witness import Witness, canary

from wheelnext.cli import main
from wheelnext.index_priority import Index
from wheelnext.install.finder import JSON_TYPE, Finder
from wheelnext.install.target import probe
from wheelnext.wheel2.forge import WheelRecipe, forge_wheel

WHEEL = "demo-1.0-py3-none-any.whl"
Answer = tuple[int, dict[str, str], bytes | Callable[[], Iterator[bytes]]]


class _QuietServer(ThreadingHTTPServer):
    """Prints nothing when a client hangs up early (the installer refusing an answer):
    ``socketserver`` would write a traceback to the stderr the cases read."""

    def handle_error(self, request: object, client_address: object) -> None:
        return None


@dataclass
class HostileIndex:
    """A loopback HTTP server answering each path from :attr:`answers`."""

    answers: dict[str, Answer] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        index = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                index.requests.append(self.path)
                status, headers, body = index.answers.get(self.path, (404, {}, b"missing"))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if isinstance(body, bytes):
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        self.close_connection = True  # the client stopped reading: refused
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in body():
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                return None

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=60)


@pytest.fixture
def index() -> Iterator[HostileIndex]:
    server = HostileIndex()
    yield server
    server.close()


@pytest.fixture(scope="module")
def wheel_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    folder = tmp_path_factory.mktemp("wheels")
    return forge_wheel(folder, WheelRecipe()).read_bytes()


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One empty target environment for every case (a venv costs seconds to make)."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("target") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    return root / "bin" / "python"


def json_page(*entries: dict[str, Any]) -> Answer:
    body = json.dumps({"meta": {"api-version": "1.1"}, "name": "demo",
                       "files": list(entries)}).encode()
    return 200, {"Content-Type": JSON_TYPE}, body


def entry(wheel: bytes, **changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"filename": WHEEL, "url": f"/files/{WHEEL}",
                            "hashes": {"sha256": hashlib.sha256(wheel).hexdigest()}}
    base.update(changes)
    return base


@dataclass
class Outcome:
    status: int
    stderr: str


def install(index: HostileIndex, python: Path, cache: Path | None, *args: str,
            capsys: pytest.CaptureFixture[str]) -> Outcome:
    cache_args = ["--no-cache"] if cache is None else ["--cache-dir", str(cache)]
    argv = ["install", "--python", str(python), *cache_args, "--no-compile",
            "--index", f"hostile={index.url}/simple/", *args, "demo"]
    capsys.readouterr()
    try:
        main(argv)
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    else:
        status = 0
    return Outcome(status, capsys.readouterr().err)


def refused(outcome: Outcome, *words: str) -> None:
    lines = outcome.stderr.strip().splitlines()
    assert outcome.status == 2, outcome.stderr
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("error: ") and len(lines[0]) < 600, lines[0][:2000]
    for word in words:
        assert word in lines[0], lines[0]


def watched(witness: Callable[..., Witness], case: str, python: Path, cache: Path,
            token: str | None = None) -> Witness:
    """The witness of one case: the target's parent and the cache, the latter made and warmed
    first with the target interpreter's probe (a legitimate write of every run)."""
    probe(python, cache)
    return witness(case, python.parent.parent.parent, cache, token=token)


# -- file names --------------------------------------------------------------------------------

def _escape_names(token: str) -> dict[str, str]:
    up = "/".join([".."] * 8)
    return {
        "build-tag-traversal": f"demo-1.0-1/{up}/{token}-py3-none-any.whl",
        "backslash-traversal": f"demo-1.0-1\\..\\..\\{token}-py3-none-any.whl",
        "nul-byte": f"demo-1.0-py3-none-any.whl\x00{token}",
        "very-long-name": f"demo-1.0-{'1' * 300}{token}-py3-none-any.whl",
        "dot-dot-only": "..",
        "hidden-name": f".{token}-1.0-py3-none-any.whl",
    }


@pytest.mark.parametrize("case", sorted(_escape_names("x")))
@pytest.mark.parametrize("cached", [True, False], ids=["cache-dir", "no-cache"])
def test_unsafe_listed_filename_is_refused(
        case: str, cached: bool, index: HostileIndex, env: Path, tmp_path: Path,
        wheel_bytes: bytes, witness: Callable[..., Witness],
        capsys: pytest.CaptureFixture[str]) -> None:
    # No '-' in the token: the name must otherwise be a well-formed wheel name.
    token = canary(f"name_{case}").replace("-", "_")
    seen = watched(witness, f"name-{case}", env, tmp_path / "cache", token=token)
    name = _escape_names(seen.token)[case]
    index.answers["/simple/demo/"] = json_page(entry(wheel_bytes, filename=name))
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel_bytes)
    with seen:
        outcome = install(index, env, tmp_path / "cache" if cached else None, capsys=capsys)
    refused(outcome, "files[0].filename", "not a safe file name")
    seen.assert_untouched()


def test_percent_encoded_traversal_in_an_html_href_is_refused(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    seen = watched(witness, "html-pct", env, tmp_path / "cache")
    href = f"/files/demo-1.0-1%2f..%2f..%2f..%2f..%2f{seen.token}-py3-none-any.whl"
    body = f'<html><body><a href="{href}">x</a></body></html>'.encode()
    index.answers["/simple/demo/"] = (200, {"Content-Type": "text/html"}, body)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, "not a safe file name")
    seen.assert_untouched()


def test_percent_dots_in_a_json_filename_are_skipped_not_written(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    seen = watched(witness, "json-pct", env, tmp_path / "cache")
    name = f"demo-1.0-1%2e%2e%2f{seen.token}-py3-none-any.whl"
    index.answers["/simple/demo/"] = json_page(entry(wheel_bytes, filename=name))
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel_bytes)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, "demo")
    seen.assert_untouched()


# -- field types -------------------------------------------------------------------------------

FIELD_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "filename-int": ({"filename": 5}, "files[0].filename: expected a string, got int"),
    "filename-missing": ({"filename": None}, "files[0].filename: expected a string"),
    "url-list": ({"url": ["x"]}, "files[0].url: expected a string, got list"),
    "hashes-string": ({"hashes": "sha256=00"}, "files[0].hashes: expected an object"),
    "hashes-int-value": ({"hashes": {"sha256": 1}}, "files[0].hashes: expected an object"),
    "requires-python-int": ({"requires-python": 3}, "files[0].requires-python: expected"),
    "yanked-int": ({"yanked": 1}, "files[0].yanked: expected a boolean or a string"),
    "core-metadata-string": ({"core-metadata": "sha256=0"}, "files[0].core-metadata: expected"),
    "dist-info-metadata-list": ({"dist-info-metadata": [1]},
                                "files[0].dist-info-metadata: expected"),
    "size-string": ({"size": "12"}, "files[0].size: expected an integer"),
    "size-bool": ({"size": True}, "files[0].size: expected an integer"),
}


@pytest.mark.parametrize("case", sorted(FIELD_CASES))
def test_ill_typed_page_field_is_named(
        case: str, index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    changes, words = FIELD_CASES[case]
    seen = watched(witness, f"field-{case}", env, tmp_path / "cache")
    index.answers["/simple/demo/"] = json_page(entry(wheel_bytes, **changes))
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel_bytes)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, words)
    seen.assert_untouched()


@pytest.mark.parametrize("page", [[1, 2], {"files": {"a": 1}}, {"files": [5]}],
                         ids=["top-list", "files-object", "entry-int"])
def test_ill_shaped_page_is_named(
        page: Any, index: HostileIndex, env: Path, tmp_path: Path,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    seen = watched(witness, "shape", env, tmp_path / "cache")
    index.answers["/simple/demo/"] = (200, {"Content-Type": JSON_TYPE},
                                      json.dumps(page).encode())
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, "expected")
    seen.assert_untouched()


# -- sizes -------------------------------------------------------------------------------------

def padded_page(wheel: bytes, size: int) -> bytes:
    body = json.dumps({"meta": {"api-version": "1.1"}, "files": [entry(wheel)]})
    return (" " * size + body).encode()


def test_project_page_above_the_cap_is_refused(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHEELNEXT_MAX_PAGE_BYTES", "100000")
    seen = watched(witness, "big-page", env, tmp_path / "cache")
    index.answers["/simple/demo/"] = (200, {"Content-Type": JSON_TYPE},
                                      padded_page(wheel_bytes, 200_000))
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel_bytes)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, "above the limit of 100000 bytes", "WHEELNEXT_MAX_PAGE_BYTES")
    seen.assert_untouched()


def test_streamed_page_without_length_above_the_cap_is_refused(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """No Content-Length and a body that never ends: the reader stops at the cap."""
    monkeypatch.setenv("WHEELNEXT_MAX_PAGE_BYTES", "1000000")
    seen = watched(witness, "endless-page", env, tmp_path / "cache")

    def endless() -> Iterator[bytes]:
        chunk = b" " * 65536
        for _ in range(4096):  # 256 MiB at most, should the reader never stop
            yield chunk

    index.answers["/simple/demo/"] = (200, {"Content-Type": JSON_TYPE}, endless)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, "above the limit of 1000000 bytes")
    seen.assert_untouched()


def test_gzip_bomb_page_is_capped_after_inflating(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHEELNEXT_MAX_PAGE_BYTES", "1000000")
    seen = watched(witness, "gzip-bomb", env, tmp_path / "cache")
    body = gzip.compress(padded_page(wheel_bytes, 20_000_000), 9)
    assert len(body) < 1_000_000
    index.answers["/simple/demo/"] = (200, {"Content-Type": JSON_TYPE,
                                            "Content-Encoding": "gzip"}, body)
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel_bytes)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, "above the limit of 1000000 bytes")
    seen.assert_untouched()


def test_page_limit_variable_must_be_a_number(
        index: HostileIndex, env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHEELNEXT_MAX_PAGE_BYTES", "lots")
    refused(install(index, env, tmp_path / "cache", capsys=capsys), "WHEELNEXT_MAX_PAGE_BYTES")


def test_huge_pep658_metadata_file_is_refused(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    seen = watched(witness, "huge-metadata", env, tmp_path / "cache")
    metadata = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n\n" + b"x" * (17 << 20)
    index.answers["/simple/demo/"] = json_page(entry(wheel_bytes, **{"core-metadata": True}))
    index.answers[f"/files/{WHEEL}.metadata"] = (200, {}, metadata)
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel_bytes)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, f"{WHEEL}.metadata", "above the limit")
    seen.assert_untouched()


def test_download_longer_than_the_listed_size_is_refused(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    """PEP 700 ``size`` is the file's size: a longer answer (here one whose Content-Length
    matches the longer body) is refused before it is kept."""
    seen = watched(witness, "long-download", env, tmp_path / "cache")
    longer = wheel_bytes + b"\0" * 100_000
    index.answers["/simple/demo/"] = json_page(entry(longer, size=len(wheel_bytes)))
    index.answers[f"/files/{WHEEL}"] = (200, {}, longer)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, WHEEL, f"{len(wheel_bytes)}")
    seen.assert_untouched()


def test_download_streamed_past_the_listed_size_is_refused(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    """No Content-Length at all: the byte count itself stops the download."""
    seen = watched(witness, "endless-download", env, tmp_path / "cache")

    def endless() -> Iterator[bytes]:
        yield wheel_bytes
        for _ in range(1024):
            yield b"\0" * 65536

    index.answers["/simple/demo/"] = json_page(entry(wheel_bytes, size=len(wheel_bytes),
                                                     hashes={}))
    index.answers[f"/files/{WHEEL}"] = (200, {}, endless)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, WHEEL, "longer than")
    seen.assert_untouched()


def test_download_whose_content_length_lies_is_refused(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    """Content-Length promises far more than comes: the short answer is never kept."""
    seen = watched(witness, "length-lie", env, tmp_path / "cache")

    def short_body() -> Iterator[bytes]:
        yield wheel_bytes

    index.answers["/simple/demo/"] = json_page(entry(wheel_bytes, hashes={}))
    index.answers[f"/files/{WHEEL}"] = (200, {"Content-Length": str(10**12)}, short_body)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, WHEEL)
    seen.assert_untouched()


def test_page_declaring_a_length_above_the_cap_is_refused_unread(
        index: HostileIndex, env: Path, tmp_path: Path,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    seen = watched(witness, "page-length", env, tmp_path / "cache")

    def never() -> Iterator[bytes]:
        yield b"{}"

    index.answers["/simple/demo/"] = (200, {"Content-Type": JSON_TYPE,
                                            "Content-Length": str(10**12)}, never)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, f"answer of {10**12} bytes is above the limit")
    seen.assert_untouched()


def test_very_long_url_is_refused_in_one_short_line(
        index: HostileIndex, env: Path, tmp_path: Path, wheel_bytes: bytes,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    seen = watched(witness, "long-url", env, tmp_path / "cache")
    index.answers["/simple/demo/"] = json_page(entry(wheel_bytes,
                                                     url="/files/" + "a" * 1_000_000))
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, "files[0].url: longer than")
    seen.assert_untouched()


# -- metadata ----------------------------------------------------------------------------------

def test_pep658_metadata_hiding_a_dependency_is_refused(
        index: HostileIndex, env: Path, tmp_path: Path,
        witness: Callable[..., Witness], capsys: pytest.CaptureFixture[str]) -> None:
    """PEP 658: the metadata file must be the wheel's own; one without the wheel's
    ``Requires-Dist`` would install the wheel with a dependency missing."""
    seen = watched(witness, "lying-metadata", env, tmp_path / "cache")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    wheel = forge_wheel(wheels, WheelRecipe()).read_bytes()
    own = _wheel_metadata(wheels / WHEEL)
    honest = own.replace(b"Version: 1.0\n", b"Version: 1.0\nRequires-Dist: needed-dep\n")
    assert honest != own
    wheel = _replace_metadata(wheels / WHEEL, honest)
    index.answers["/simple/demo/"] = json_page(entry(wheel, **{"core-metadata": True}))
    index.answers[f"/files/{WHEEL}.metadata"] = (200, {}, own)
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel)
    with seen:
        outcome = install(index, env, tmp_path / "cache", capsys=capsys)
    refused(outcome, f"{WHEEL}.metadata", "differs from the wheel's own METADATA")
    seen.assert_untouched()


def _wheel_metadata(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return archive.read("demo-1.0.dist-info/METADATA")


def _replace_metadata(path: Path, metadata: bytes) -> bytes:
    """The wheel at *path* with another METADATA (RECORD updated), as bytes."""
    import base64
    import io
    import zipfile

    digest = base64.urlsafe_b64encode(hashlib.sha256(metadata).digest()).rstrip(b"=").decode()
    out = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith("/METADATA"):
                data = metadata
            elif info.filename.endswith("/RECORD"):
                rows = [line if not line.startswith("demo-1.0.dist-info/METADATA,")
                        else f"demo-1.0.dist-info/METADATA,sha256={digest},{len(metadata)}"
                        for line in data.decode().splitlines()]
                data = ("\n".join(rows) + "\n").encode()
            target.writestr(info, data)
    return out.getvalue()


def test_tampered_cached_file_is_downloaded_again(
        index: HostileIndex, tmp_path: Path, wheel_bytes: bytes) -> None:
    """A cached file whose bytes no longer match the page's sha256 is never used."""
    index.answers["/simple/demo/"] = json_page(entry(wheel_bytes))
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel_bytes)
    finder = Finder(tmp_path / "cache")
    try:
        files = finder.project_files(Index("hostile", f"{index.url}/simple/"), "demo")
        assert files is not None
        path = finder.download(files[0])
        path.write_bytes(b"tampered")
    finally:
        finder.close()
    finder = Finder(tmp_path / "cache")
    try:
        files = finder.project_files(Index("hostile", f"{index.url}/simple/"), "demo")
        assert files is not None
        assert finder.download(files[0]).read_bytes() == wheel_bytes
    finally:
        finder.close()


def test_one_name_at_two_urls_gets_two_cache_files(
        index: HostileIndex, tmp_path: Path, wheel_bytes: bytes) -> None:
    """Cache files are keyed by a digest of their URL: a second file listed under the same
    name (at another URL) never replaces, nor is served as, the first."""
    other = wheel_bytes + b"\0"
    index.answers["/simple/demo/"] = json_page(
        entry(wheel_bytes), entry(other, url=f"/elsewhere/{WHEEL}"))
    index.answers[f"/files/{WHEEL}"] = (200, {}, wheel_bytes)
    index.answers[f"/elsewhere/{WHEEL}"] = (200, {}, other)
    finder = Finder(tmp_path / "cache")
    try:
        files = finder.project_files(Index("hostile", f"{index.url}/simple/"), "demo")
        assert files is not None and len(files) == 2
        first, second = (finder.download(file) for file in files)
        assert first != second and first.name == second.name == WHEEL
        assert first.read_bytes() == wheel_bytes and second.read_bytes() == other
    finally:
        finder.close()
