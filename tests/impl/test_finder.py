"""The finder: PEP 691 JSON preferred, PEP 503 HTML parsed, PEP 658 metadata, per-index cache."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from wheelnext.index_priority import Index, IndexUnavailable
from wheelnext.install.finder import (
    ACCEPT,
    DownloadError,
    Finder,
    IndexFile,
    index_key,
    parse_html_page,
    parse_json_page,
)

sys.path.insert(0, str(Path(__file__).parent))
from installer_support import served

INDEX = Index("pypi", "http://example.test/simple/")


def test_html_page_attributes() -> None:
    body = (
        '<a href="/files/a-1.0-py3-none-any.whl#sha256=abc" data-requires-python="&gt;=3.8" '
        'data-core-metadata="sha256=def" data-yanked="bad">a-1.0-py3-none-any.whl</a>'
        '<a href="a-2.0.tar.gz" data-dist-info-metadata="true">a-2.0.tar.gz</a>'
    )
    files = parse_html_page(body, "http://example.test/simple/a/", INDEX)
    assert files[0].url == "http://example.test/files/a-1.0-py3-none-any.whl"
    assert files[0].sha256 == "abc"
    assert files[0].requires_python == ">=3.8"
    assert files[0].core_metadata == {"sha256": "def"}
    assert files[0].yanked == "bad"
    assert files[1].url == "http://example.test/simple/a/a-2.0.tar.gz"
    assert files[1].core_metadata == {} and files[1].yanked is None


def test_json_page() -> None:
    data = {"files": [{"filename": "a-1.0-py3-none-any.whl", "url": "../../f/a.whl",
                       "hashes": {"sha256": "x"}, "yanked": True, "core-metadata": True}]}
    file = parse_json_page(data, "http://example.test/simple/a/", INDEX)[0]
    assert file.url == "http://example.test/f/a.whl"
    assert file.yanked == "" and file.core_metadata == {}


def test_json_preferred_and_metadata_from_pep658(tmp_path: Path) -> None:
    assert ACCEPT.startswith("application/vnd.pypi.simple.v1+json")
    with served(tmp_path, {"pypi": [{"name": "alpha", "version": "1.0"}]}) as server:
        finder = Finder(tmp_path / "cache")
        index = Index("pypi", server.index_url("pypi"))
        files = finder.project_files(index, "Alpha")
        assert files is not None and files[0].core_metadata
        assert finder.project_files(index, "missing") is None
        meta = finder.metadata(files[0])
        assert b"Name: alpha" in meta
        paths = [r.path for r in server.requests]
        assert paths[-1].endswith(".whl.metadata")
        assert server.requests[0].content_type == "application/vnd.pypi.simple.v1+json"
        path = finder.download(files[0])
        assert path.parent.parent.name == index_key(index.url)
        count = len(server.requests)
        assert finder.download(files[0]) == path
        assert len(server.requests) == count  # served from the per-index cache
        finder.close()


def test_bad_hash_is_refused(tmp_path: Path) -> None:
    with served(tmp_path, {"pypi": [{"name": "alpha", "version": "1.0"}]}) as server:
        finder = Finder(tmp_path / "cache")
        files = finder.project_files(Index("pypi", server.index_url("pypi")), "alpha")
        assert files is not None
        tampered = IndexFile(files[0].filename, files[0].url, "pypi", files[0].index_url,
                             {"sha256": "0" * 64})
        with pytest.raises(DownloadError, match="do not match the sha256"):
            finder.download(tampered)
        server.set_failure("pypi", 500)
        with pytest.raises(IndexUnavailable, match="answered HTTP 500"):
            finder.project_files(Index("pypi", server.index_url("pypi")), "beta")
        finder.close()


def test_unreachable_index(tmp_path: Path) -> None:
    finder = Finder(None, timeout=2)
    with pytest.raises(IndexUnavailable, match="index down: cannot reach"):
        finder.project_files(Index("down", "http://127.0.0.1:9/simple/"), "alpha")
    finder.close()
