"""The reference index server, against the ASGI app and a real uvicorn server."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import socket
import threading
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from wheelnext.cli import cli, main
from wheelnext.index import RequestLog, create_app, negotiation, serve_in_process
from wheelnext.index.app import Format
from wheelnext.index.pages import API_VERSION

SCHEMA = "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json"
JSON = "application/vnd.pypi.simple.v1+json"
HTML = "application/vnd.pypi.simple.v1+html"


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    label: str | None = None,
    properties: dict[str, Any] | None = None,
    namespaces: list[str] | None = None,
    requires_python: str | None = None,
    extension: str = ".whl",
    with_variant_json: bool = True,
) -> Path:
    """A minimal wheel written with zipfile (the builder is tested elsewhere)."""
    filename = f"{name}-{version}-py3-none-any" + (f"-{label}" if label else "") + extension
    dist_info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    if requires_python:
        metadata += f"Requires-Python: {requires_python}\n"
    path = directory / filename
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "")
        archive.writestr(f"{dist_info}/METADATA", metadata + "\n")
        archive.writestr(f"{dist_info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        if label is not None and with_variant_json:
            document = {
                "$schema": SCHEMA,
                "default-priorities": {"namespace": namespaces or ["x86_64"]},
                "variants": {label: properties if properties is not None else {}},
            }
            archive.writestr(f"{dist_info}/variant.json", json.dumps(document))
        archive.writestr(f"{dist_info}/RECORD", "")
    return path


def get(app: Any, path: str, **kwargs: Any) -> httpx.Response:
    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://index") as client:
            return await client.get(path, **kwargs)

    return asyncio.run(run())


@pytest.fixture
def root(tmp_path: Path) -> Path:
    directory = tmp_path / "root"
    directory.mkdir()
    make_wheel(directory, "foo", "1.0", requires_python=">=3.8,<4")
    make_wheel(directory, "foo", "1.1")
    make_wheel(directory, "bar_baz", "2.0")
    (directory / "bar_baz-2.0.tar.gz").write_bytes(b"not really a tarball")
    make_wheel(directory, "newkind", "1.0", extension=".whlx")
    (directory / "README.txt").write_text("not a distribution")
    return directory


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- content negotiation (PEP 691 "Version + Format Selection") -------------------------


@pytest.mark.parametrize(
    ("accept", "fmt", "expected"),
    [
        (None, None, JSON),
        ("", None, JSON),
        ("*/*", None, JSON),
        ("text/html", None, "text/html"),
        (HTML, None, HTML),
        (f"{JSON}, {HTML};q=0.2, text/html;q=0.01", None, JSON),
        (f"{JSON};q=0.1, {HTML};q=0.9", None, HTML),
        (f"{JSON};q=0, */*", None, HTML),
        ("application/vnd.pypi.simple.latest+json", None, JSON),
        ("application/*", None, JSON),
        ("image/png", None, None),
        (f"{JSON};q=0", None, None),
        ("text/html", JSON, JSON),
        (JSON, "text/html", "text/html"),
        (JSON, "nonsense", JSON),
        (f"{JSON};q=bogus, text/html;q=0.5", None, "text/html"),
    ],
)
def test_select(accept: str | None, fmt: str | None, expected: str | None) -> None:
    assert negotiation.select(accept, fmt) == expected


def test_select_respects_offered_formats() -> None:
    html_only = (negotiation.HTML, negotiation.LEGACY_HTML)
    assert negotiation.select(f"{JSON}, {HTML};q=0.1", None, html_only) == HTML
    assert negotiation.select(JSON, None, html_only) is None
    assert negotiation.select(None, JSON, html_only) == HTML


MEDIA = st.sampled_from([JSON, HTML, "text/html", "*/*", "application/*", "text/*", "image/png"])


@given(st.lists(st.tuples(MEDIA, st.integers(0, 1000)), min_size=1, max_size=5))
def test_select_picks_a_highest_quality_type(entries: list[tuple[str, int]]) -> None:
    header = ", ".join(f"{media};q={q / 1000:.3f}" for media, q in entries)
    chosen = negotiation.select(header)
    ranges = negotiation.parse_accept(header)
    qualities = {t: negotiation.quality_of(ranges, t) for t in (JSON, HTML, "text/html")}
    if chosen is None:
        assert max(qualities.values()) == 0
    else:
        assert qualities[chosen] == max(qualities.values()) > 0


# --- pages -------------------------------------------------------------------------------


def test_project_list_json_and_html(root: Path) -> None:
    app = create_app(root)
    response = get(app, "/simple/")
    assert response.headers["content-type"] == JSON
    assert response.headers["vary"] == "Accept"
    body = response.json()
    assert body["meta"] == {"api-version": API_VERSION}
    assert [p["name"] for p in body["projects"]] == ["bar-baz", "foo", "newkind"]
    html = get(app, "/simple/", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert html.text.startswith("<!DOCTYPE html>")
    assert f'<meta name="pypi:repository-version" content="{API_VERSION}">' in html.text
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', html.text) == [
        ("/simple/bar-baz/", "bar-baz"), ("/simple/foo/", "foo"), ("/simple/newkind/", "newkind"),
    ]


def test_project_html_links_hashes_metadata_and_requires_python(root: Path) -> None:
    app = create_app(root)
    page = get(app, "/simple/foo/", headers={"Accept": HTML})
    assert page.headers["content-type"] == HTML
    anchors = re.findall(r"<a ([^>]*)>([^<]*)</a>", page.text)
    assert [text for _, text in anchors] == ["foo-1.0-py3-none-any.whl", "foo-1.1-py3-none-any.whl"]
    attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', anchors[0][0]))
    wheel = (root / "foo-1.0-py3-none-any.whl").read_bytes()
    assert attributes["href"] == f"/files/foo-1.0-py3-none-any.whl#sha256={sha256(wheel)}"
    assert attributes["data-requires-python"] == "&gt;=3.8,&lt;4"
    metadata = get(app, "/files/foo-1.0-py3-none-any.whl.metadata")
    assert metadata.status_code == 200
    assert metadata.content.startswith(b"Metadata-Version: 2.1\nName: foo\n")
    assert attributes["data-core-metadata"] == f"sha256={sha256(metadata.content)}"
    assert attributes["data-dist-info-metadata"] == attributes["data-core-metadata"]
    download = get(app, "/files/foo-1.0-py3-none-any.whl")
    assert download.content == wheel
    assert download.headers["content-type"] == "application/zip"


def test_project_json_has_pep700_fields(root: Path) -> None:
    when = 1_700_000_000.25
    os.utime(root / "foo-1.0-py3-none-any.whl", (when, when))
    body = get(create_app(root), "/simple/foo/", params={"format": JSON}).json()
    assert body["name"] == "foo"
    assert body["meta"]["api-version"] == API_VERSION
    assert body["versions"] == ["1.0", "1.1"]
    first = body["files"][0]
    wheel = (root / "foo-1.0-py3-none-any.whl").read_bytes()
    assert first["filename"] == "foo-1.0-py3-none-any.whl"
    assert first["url"] == "/files/foo-1.0-py3-none-any.whl"
    assert first["hashes"] == {"sha256": sha256(wheel)}
    assert first["size"] == len(wheel)
    assert first["upload-time"] == "2023-11-14T22:13:20.250000Z"
    assert first["requires-python"] == ">=3.8,<4"
    assert first["core-metadata"] == first["dist-info-metadata"]
    assert "yanked" not in first
    assert "requires-python" not in body["files"][1]


def test_sdist_and_whlx_are_listed(root: Path) -> None:
    app = create_app(root)
    files = get(app, "/simple/bar-baz/").json()["files"]
    assert [f["filename"] for f in files] == ["bar_baz-2.0-py3-none-any.whl", "bar_baz-2.0.tar.gz"]
    assert "core-metadata" not in files[1]
    assert get(app, "/files/bar_baz-2.0.tar.gz").headers["content-type"] == "application/gzip"
    whlx = get(app, "/simple/newkind/").json()["files"]
    assert [f["filename"] for f in whlx] == ["newkind-1.0-py3-none-any.whlx"]
    assert "core-metadata" in whlx[0]


def test_yanked_sidecar(root: Path) -> None:
    (root / "foo-1.0-py3-none-any.whl.yanked").write_text("security <hole> & \"quotes\"\n")
    (root / "foo-1.1-py3-none-any.whl.yanked").write_text("")
    app = create_app(root)
    files = get(app, "/simple/foo/").json()["files"]
    assert files[0]["yanked"] == 'security <hole> & "quotes"'
    assert files[1]["yanked"] is True
    html = get(app, "/simple/foo/", headers={"Accept": "text/html"}).text
    assert 'data-yanked="security &lt;hole&gt; &amp; &quot;quotes&quot;"' in html
    assert re.search(r"data-yanked>foo-1\.1", html)
    # PEP 592: "may be rescinded in the future".
    (root / "foo-1.0-py3-none-any.whl.yanked").unlink()
    assert "yanked" not in get(app, "/simple/foo/").json()["files"][0]
    assert get(app, "/files/foo-1.0-py3-none-any.whl.yanked").status_code == 404


# --- URLs: normalization, redirects, 404 and traversal ------------------------------------


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/simple", "/simple/"),
        ("/simple/foo", "/simple/foo/"),
        ("/simple/Bar_Baz/", "/simple/bar-baz/"),
        ("/simple/BAR.baz", "/simple/bar-baz/"),
        ("/simple/Bar--Baz/?format=text/html", "/simple/bar-baz/?format=text/html"),
    ],
)
def test_redirects_to_canonical_url(root: Path, path: str, location: str) -> None:
    response = get(create_app(root), path, follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == location


@pytest.mark.parametrize(
    "path",
    [
        "/simple/unknown/",
        "/simple/foo/extra",
        "/files/README.txt",
        "/files/foo-9.9-py3-none-any.whl",
        "/files/foo-1.0-py3-none-any.whl.metadata.metadata",
        "/files/bar_baz-2.0.tar.gz.metadata",
        "/files/foo-1.0-variants.json",
        "/files/../root/foo-1.0-py3-none-any.whl",
        "/files/%2e%2e/root/foo-1.0-py3-none-any.whl",
        "/files/..%2Froot%2Ffoo-1.0-py3-none-any.whl",
        "/files/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/elsewhere",
        "/other/simple/",
    ],
)
def test_not_found(root: Path, path: str) -> None:
    assert get(create_app(root), path, follow_redirects=False).status_code == 404


def test_symlink_outside_root_is_not_served(tmp_path: Path, root: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    target = make_wheel(outside, "secret", "1.0")
    (root / "secret-1.0-py3-none-any.whl").symlink_to(target)
    make_wheel(root, "inside", "1.0")
    (root / "inside-2.0-py3-none-any.whl").symlink_to(root / "inside-1.0-py3-none-any.whl")
    app = create_app(root)
    assert get(app, "/simple/secret/").status_code == 404
    assert get(app, "/files/secret-1.0-py3-none-any.whl").status_code == 404
    names = [p["name"] for p in get(app, "/simple/").json()["projects"]]
    assert "secret" not in names
    assert get(app, "/files/inside-2.0-py3-none-any.whl").status_code == 200


def test_not_acceptable_and_method(root: Path) -> None:
    app = create_app(root)
    assert get(app, "/simple/foo/", headers={"Accept": "image/png"}).status_code == 406
    only: tuple[Format, ...] = ("html",)
    html_only = create_app(root, formats=only)
    assert get(html_only, "/simple/", headers={"Accept": JSON}).status_code == 406
    assert get(html_only, "/simple/").headers["content-type"] == HTML

    async def post() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://i") as client:
            return (await client.post("/simple/")).status_code

    assert asyncio.run(post()) == 405


def test_listing_follows_the_directory(root: Path) -> None:
    app = create_app(root)
    assert get(app, "/simple/late/").status_code == 404
    make_wheel(root, "late", "1.0")
    assert get(app, "/simple/late/").status_code == 200
    path = root / "foo-1.1-py3-none-any.whl"
    path.unlink()
    make_wheel(root, "foo", "1.1", requires_python=">=3.10")
    os.utime(path, ns=(1, 1))
    files = get(app, "/simple/foo/").json()["files"]
    assert files[1]["requires-python"] == ">=3.10"


def test_etag_revalidation(root: Path) -> None:
    app = create_app(root)
    first = get(app, "/files/foo-1.0-py3-none-any.whl")
    again = get(app, "/files/foo-1.0-py3-none-any.whl",
                headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


# --- PEP 825 index-level metadata ----------------------------------------------------------


def test_variants_json_generated_listed_and_served(tmp_path: Path) -> None:
    make_wheel(tmp_path, "foo", "1.0")
    make_wheel(tmp_path, "foo", "1.0", label="null")
    make_wheel(tmp_path, "foo", "1.0", label="x86_64_v3", properties={"x86_64": {"level": ["v3"]}})
    make_wheel(tmp_path, "foo", "1.0", label="v4_mkl", namespaces=["x86_64", "blas_lapack"],
               properties={"x86_64": {"level": ["v4"]}, "blas_lapack": {"library": ["mkl"]}})
    make_wheel(tmp_path, "foo", "2.0")
    app = create_app(tmp_path)
    files = {f["filename"]: f for f in get(app, "/simple/foo/").json()["files"]}
    assert "foo-1.0-variants.json" in files
    assert "foo-2.0-variants.json" not in files
    served = get(app, "/files/foo-1.0-variants.json")
    assert served.headers["content-type"] == "application/json"
    assert files["foo-1.0-variants.json"]["hashes"]["sha256"] == sha256(served.content)
    assert files["foo-1.0-variants.json"]["size"] == len(served.content)
    document = served.json()
    assert document["$schema"] == SCHEMA
    assert document["default-priorities"]["namespace"] == ["x86_64", "blas_lapack"]
    assert document["variants"] == {
        "null": {},
        "v4_mkl": {"blas_lapack": {"library": ["mkl"]}, "x86_64": {"level": ["v4"]}},
        "x86_64_v3": {"x86_64": {"level": ["v3"]}},
    }
    html = get(app, "/simple/foo/", headers={"Accept": "text/html"}).text
    assert f"/files/foo-1.0-variants.json#sha256={sha256(served.content)}" in html


def test_variants_json_for_whlx_and_names_with_separators(tmp_path: Path) -> None:
    make_wheel(tmp_path, "my_pkg", "1.0", label="null", extension=".whlx")
    app = create_app(tmp_path)
    files = [f["filename"] for f in get(app, "/simple/my-pkg/").json()["files"]]
    assert files == ["my_pkg-1.0-py3-none-any-null.whlx", "my_pkg-1.0-variants.json"]
    assert get(app, "/files/my_pkg-1.0-variants.json").json()["variants"] == {"null": {}}


def test_inconsistent_variants_are_left_out_with_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    make_wheel(tmp_path, "foo", "1.0")
    make_wheel(tmp_path, "foo", "1.0", label="a", properties={"x86_64": {"level": ["v3"]}})
    make_wheel(tmp_path, "foo", "1.0", label="b", namespaces=["aarch64"],
               properties={"aarch64": {"version": ["8"]}})
    make_wheel(tmp_path, "foo", "1.0", label="c", with_variant_json=False)
    app = create_app(tmp_path)
    with caplog.at_level(logging.ERROR, logger="wheelnext.index"):
        files = [f["filename"] for f in get(app, "/simple/foo/").json()["files"]]
        get(app, "/simple/foo/")
    assert files == ["foo-1.0-py3-none-any.whl"]
    assert len(caplog.records) == 2, "each problem is logged once, not per request"
    assert "default-priorities.namespace" in caplog.text
    assert "foo-1.0-py3-none-any-c.whl" in caplog.text


def test_user_supplied_variants_json_is_served_verbatim(tmp_path: Path) -> None:
    make_wheel(tmp_path, "foo", "1.0", label="null")
    supplied = b'{"custom": true}\n'
    (tmp_path / "foo-1.0-variants.json").write_bytes(supplied)
    app = create_app(tmp_path)
    files = [f["filename"] for f in get(app, "/simple/foo/").json()["files"]]
    assert files == ["foo-1.0-py3-none-any-null.whl", "foo-1.0-variants.json"]
    assert get(app, "/files/foo-1.0-variants.json").content == supplied


# --- several indexes, request log, failures -----------------------------------------------


def test_named_indexes_and_request_log(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    make_wheel(first, "foo", "1.0")
    make_wheel(second, "bar", "1.0")
    log = RequestLog()
    app = create_app({"first": first, "second": second}, request_log=log)
    assert [p["name"] for p in get(app, "/first/simple/").json()["projects"]] == ["foo"]
    assert get(app, "/second/simple/foo/").status_code == 404
    assert get(app, "/second/files/bar-1.0-py3-none-any.whl").status_code == 200
    assert get(app, "/simple/").status_code == 404
    assert [(r.index, r.path, r.status) for r in log] == [
        ("first", "/first/simple/", 200),
        ("second", "/second/simple/foo/", 404),
        ("second", "/second/files/bar-1.0-py3-none-any.whl", 200),
        (None, "/simple/", 404),
    ]
    times = [r.time for r in log]
    assert times == sorted(times)
    assert log.records[0].content_type == JSON


def test_bad_index_names_and_roots(tmp_path: Path) -> None:
    from wheelnext.errors import WheelnextError

    for bad in ("simple", "files", "a/b", "-x", ""):
        if not bad:
            continue
        with pytest.raises(WheelnextError, match="index name"):
            create_app({bad: tmp_path})
    with pytest.raises(WheelnextError, match="not a directory"):
        create_app(tmp_path / "missing")


# --- the real server -----------------------------------------------------------------------


def _port_is_closed(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_serve_in_process_logs_fails_and_stops_cleanly(tmp_path: Path, root: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    threads_before = set(threading.enumerate())
    with serve_in_process({"primary": root, "fallback": other}) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.index_url("primary") == f"{server.url}/primary/simple/"
        with httpx.Client() as client:
            assert client.get(server.index_url("primary") + "foo/").status_code == 200
            server.set_failure("fallback", 503)
            assert client.get(server.index_url("fallback")).status_code == 503
            server.set_failure("fallback", None)
            assert client.get(server.index_url("fallback")).status_code == 200
        assert [(r.index, r.status) for r in server.requests] == [
            ("primary", 200), ("fallback", 503), ("fallback", 200),
        ]
        port = server.port
    assert _port_is_closed(port)
    assert set(threading.enumerate()) <= threads_before


def test_listening_socket_is_tcp_so_asyncio_sets_nodelay() -> None:
    from wheelnext.index.server import ServerError, _bind

    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        sock.listen()
        with pytest.raises(ServerError, match="cannot bind"):
            _bind("127.0.0.1", sock.getsockname()[1])
    finally:
        sock.close()


def test_single_index_url_and_failures_option(root: Path) -> None:
    with serve_in_process(root, failures={"": 500}) as server:
        assert server.index_url() == f"{server.url}/simple/"
        assert httpx.get(server.index_url()).status_code == 500


def test_raw_traversal_requests_get_404(root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.whl").write_bytes(b"secret")
    with serve_in_process(root) as server:
        for target in (
            "/files/../secret.whl",
            "/files/%2e%2e/secret.whl",
            "/files/%2E%2E%2Fsecret.whl",
            "/simple/%2e%2e/%2e%2e/secret.whl",
            "/files/..%5csecret.whl",
        ):
            with socket.create_connection(("127.0.0.1", server.port)) as sock:
                sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                             .encode())
                reply = b""
                while chunk := sock.recv(65536):
                    reply += chunk
            status = reply.split(b"\r\n", 1)[0]
            assert status.split()[1] in (b"404", b"400"), (target, status)
            assert b"secret" not in reply.split(b"\r\n\r\n", 1)[1]


def test_two_hundred_concurrent_clients(root: Path) -> None:
    paths = ["/simple/", "/simple/foo/", "/simple/bar-baz/", "/files/foo-1.0-py3-none-any.whl"]

    async def run(base: str) -> list[int]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
            accepts = [JSON, "text/html"]
            responses = await asyncio.gather(*(
                client.get(paths[i % len(paths)], headers={"Accept": accepts[i % 2]})
                for i in range(200)
            ))
            return [r.status_code for r in responses]

    with serve_in_process(root) as server:
        statuses = asyncio.run(run(server.url))
        assert statuses == [200] * 200
        assert len(server.requests) == 200


# --- CLI -----------------------------------------------------------------------------------


def test_cli_help_and_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["index", "serve", "--help"])
    assert result.exit_code == 0
    assert "--index NAME=DIR" in result.output
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr("wheelnext.index.server.serve_forever",
                        lambda roots, **kw: calls.append((roots, kw)))
    result = runner.invoke(cli, ["index", "serve", str(tmp_path), "--index", f"extra={tmp_path}",
                                 "--port", "0", "--format", "html"])
    assert result.exit_code == 0, result.output
    assert calls == [({"": tmp_path, "extra": tmp_path},
                      {"host": "127.0.0.1", "port": 0, "formats": ("html",), "access_log": True})]
    for argv, needle in (
        (["index", "serve", str(tmp_path / "missing")], "missing: not a directory"),
        (["index", "serve", "--index", "nodir"], "--index 'nodir': expected NAME=DIR"),
        (["index", "serve", "--index", f"simple={tmp_path}"], "index name 'simple'"),
        (["index", "serve"], "give a directory"),
    ):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and needle in err and err.count("\n") == 1, err


def test_builder_wheel2_variant_is_read(tmp_path: Path) -> None:
    """A Wheel 2.0 prototype (Zstandard payload) made by the builder: metadata and variants."""
    from wheelnext.build import build_dist, spec_from_mapping

    spec = spec_from_mapping(
        {"name": "p", "version": "1.0", "wheel-version": "2.0", "requires-python": ">=3.9",
         "variant": {"label": "x86_64_v3", "properties": ["x86_64 :: level :: v3"]}},
        source="test",
    )
    wheel = build_dist(spec, tmp_path)
    assert wheel.suffix == ".whlx"
    app = create_app(tmp_path)
    files = get(app, "/simple/p/").json()["files"]
    assert [f["filename"] for f in files] == [wheel.name, "p-1.0-variants.json"]
    assert files[0]["requires-python"] == ">=3.9"
    metadata = get(app, f"/files/{wheel.name}.metadata").content
    assert files[0]["core-metadata"] == {"sha256": sha256(metadata)}
    variants = get(app, "/files/p-1.0-variants.json").json()
    assert variants["variants"] == {"x86_64_v3": {"x86_64": {"level": ["v3"]}}}


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["bar", "BAR", "Bar"]), st.sampled_from(["-", "_", ".", "--", "_.", "-_-"]),
       st.sampled_from(["baz", "Baz", "BAZ"]), st.booleans())
def test_any_spelling_redirects_to_the_normalized_project(
    first: str, separator: str, second: str, slash: bool
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        make_wheel(Path(tmp), "bar_baz", "2.0")
        spelling = f"{first}{separator}{second}" + ("/" if slash else "")
        response = get(create_app(Path(tmp)), f"/simple/{spelling}", follow_redirects=False)
        if spelling == "bar-baz/":
            assert response.status_code == 200
        else:
            assert response.status_code == 301
            assert response.headers["location"] == "/simple/bar-baz/"


def test_stops_with_an_idle_keep_alive_connection_open(root: Path) -> None:
    with serve_in_process(root) as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.sendall(b"GET /simple/ HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
    try:
        assert not [t for t in threading.enumerate() if t.name == "wheelnext-index"]
        assert _port_is_closed(server.port)
    finally:
        sock.close()


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=30), st.sampled_from(["/simple/", "/files/", "/x/simple/"]))
def test_arbitrary_paths_never_break_the_server(tail: str, prefix: str) -> None:
    import tempfile
    from urllib.parse import quote

    with tempfile.TemporaryDirectory() as tmp:
        make_wheel(Path(tmp), "foo", "1.0")
        app = create_app({"": Path(tmp), "x": Path(tmp)})
        response = get(app, prefix + quote(tail, safe=""), follow_redirects=False)
        assert response.status_code in (200, 301, 404), (tail, response.status_code)


def test_a_variant_json_with_a_repeated_key_is_left_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """JSON's parsers keep the last of two equal keys; PEP 825 data with one is invalid, and
    an index "SHOULD" reject invalid data: the wheel is left off, the reason logged."""
    make_wheel(tmp_path, "foo", "1.0")
    wheel = make_wheel(tmp_path, "foo", "1.0", label="a", with_variant_json=False)
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("foo-1.0.dist-info/variant.json", (
            '{"$schema": ' + json.dumps(SCHEMA) + ', "default-priorities": {"namespace": '
            '["x86_64"]}, "variants": {"a": {"x86_64": {"level": ["v3"]}, '
            '"x86_64": {"level": ["v1"]}}}}'))
    app = create_app(tmp_path)
    with caplog.at_level(logging.ERROR, logger="wheelnext.index"):
        files = [f["filename"] for f in get(app, "/simple/foo/").json()["files"]]
    assert files == ["foo-1.0-py3-none-any.whl"]
    assert "duplicate JSON key 'x86_64'" in caplog.text


def test_variants_json_grows_when_a_variant_is_added(tmp_path: Path) -> None:
    """The index-level file follows PEP 825 ("This file SHOULD NOT be considered immutable
    and MAY be updated in a backward compatible way at any point (e.g. when adding a new
    variant)"), not PEP 817's "once published, it SHOULD NOT change"; see
    docs/spec-notes/pep817-index-file-mutability.rst. A new ETag tells caching clients."""
    make_wheel(tmp_path, "foo", "1.0", label="x86_64_v3", properties={"x86_64": {"level": ["v3"]}})
    app = create_app(tmp_path)
    first = get(app, "/files/foo-1.0-variants.json")
    assert list(first.json()["variants"]) == ["x86_64_v3"]
    make_wheel(tmp_path, "foo", "1.0", label="x86_64_v4", properties={"x86_64": {"level": ["v4"]}})
    again = get(app, "/files/foo-1.0-variants.json",
                headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200
    assert sorted(again.json()["variants"]) == ["x86_64_v3", "x86_64_v4"]
    assert again.headers["etag"] != first.headers["etag"]
