"""The finder: PEP 691 JSON preferred, PEP 503 HTML parsed, PEP 658 metadata, per-index cache."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _support.installer import served
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from wheelnext.index_priority import Index, IndexUnavailable
from wheelnext.install.finder import (
    ACCEPT,
    DownloadError,
    Finder,
    IndexFile,
    PageError,
    index_key,
    parse_html_page,
    parse_json_page,
)

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
        assert path.parent.parent.parent.name == index_key(index.url)
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


_reason = st.one_of(st.none(), st.just(""), st.text(
    st.characters(codec="ascii", categories=("L", "N", "P", "Zs")), min_size=1, max_size=20))


@given(st.lists(st.tuples(
    st.sampled_from(["a-1.0-py3-none-any.whl", "a-2.0.tar.gz", "a-1.1-py3-none-any-x.whlx"]),
    st.one_of(st.none(), st.sampled_from([">=3.8", "<4,>=3.9", "!=3.10.*"])),
    st.booleans(),
    _reason,
), max_size=3, unique_by=lambda item: item[0]))
def test_html_and_json_pages_agree(entries: list[tuple[str, str | None, bool, str | None]]) -> None:
    """The reference server's two serializations parse to the same files (PEP 691: JSON
    "as if it were HTML")."""
    from wheelnext.index.pages import project_html, project_json
    from wheelnext.index.repository import ListedFile, Project

    listed = [ListedFile(name, 1, "ab" * 32, requires_python=python,
                         core_metadata_sha256="cd" * 32 if metadata else None, yanked=yanked)
              for name, python, metadata, yanked in entries]
    project = Project(canonicalize_name("a"), listed)
    page = "http://example.test/simple/a/"
    from_html = parse_html_page(project_html(project, "/files/").decode(), page, INDEX)
    from_json = parse_json_page(json.loads(project_json(project, "/files/")), page, INDEX)
    key = [(f.filename, f.url, f.sha256, f.requires_python, f.yanked, f.core_metadata)
           for f in from_html]
    assert key == [(f.filename, f.url, f.sha256, f.requires_python, f.yanked, f.core_metadata)
                   for f in from_json]
    assert [f.filename for f in from_html] == [name for name, *_ in entries]


def test_page_cache_revalidates_with_etag(tmp_path: Path) -> None:
    """PEP 766 "Cache keys": pages are cached per index and reused on ``304 Not Modified``."""
    import httpx

    body = json.dumps({"files": [{"filename": "a-1.0-py3-none-any.whl", "url": "a.whl",
                                  "hashes": {"sha256": "x"}}]})
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return httpx.Response(200, text=body, headers={
            "ETag": '"v1"', "Content-Type": "application/vnd.pypi.simple.v1+json"})

    pages = []
    for index_url in ("http://one.test/simple/", "http://one.test/simple/",
                      "http://two.test/simple/"):
        finder = Finder(tmp_path / "cache", client=httpx.Client(
            transport=httpx.MockTransport(answer)))
        pages.append(finder.project_files(Index("pypi", index_url), "a"))
        finder.close()
    # The second run revalidated and reused its copy; another index has its own cache.
    assert seen == [None, '"v1"', None]
    assert pages[0] is not None and pages[1] is not None
    assert [f.filename for f in pages[1]] == ["a-1.0-py3-none-any.whl"]
    assert pages[1][0].url == "http://one.test/simple/a/a.whl"
    assert pages[2] is not None and pages[2][0].url == "http://two.test/simple/a/a.whl"


@pytest.mark.parametrize(("entry", "field"), [
    ({"filename": 5, "url": "a"}, "files[0].filename"),
    ({"filename": "a-1.0.tar.gz", "url": None}, "files[0].url"),
    ({"filename": "a-1.0.tar.gz", "url": "a", "hashes": []}, "files[0].hashes"),
    ({"filename": "a-1.0.tar.gz", "url": "a", "yanked": {}}, "files[0].yanked"),
    ({"filename": "a-1.0.tar.gz", "url": "a", "requires-python": 3.8},
     "files[0].requires-python"),
    ({"filename": "a-1.0.tar.gz", "url": "a", "core-metadata": {"sha256": 1}},
     "files[0].core-metadata"),
    ({"filename": "a-1.0.tar.gz", "url": "a", "size": -1}, "files[0].size"),
])
def test_json_page_fields_are_type_checked(entry: dict[str, object], field: str) -> None:
    with pytest.raises(PageError, match=re.escape(field)):
        parse_json_page({"files": [entry]}, "http://example.test/simple/a/", INDEX)


def test_json_page_skips_names_that_are_no_distribution() -> None:
    data = {"files": [{"filename": "a-1.0.egg", "url": "a-1.0.egg"},
                      {"filename": "a-1.0-variants.json", "url": "v.json"},
                      {"filename": "a-1.0.tar.gz", "url": "a-1.0.tar.gz"}]}
    names = [f.filename for f in parse_json_page(data, "http://example.test/simple/a/", INDEX)]
    assert names == ["a-1.0-variants.json", "a-1.0.tar.gz"]


def test_html_filenames_are_percent_decoded_before_checking() -> None:
    body = ('<a href="/f/a-1.0%2Blocal-py3-none-any.whl">x</a>'
            '<a href="/f/a-1.0-1%2f..%2fx-py3-none-any.whl">y</a>')
    with pytest.raises(PageError, match="not a safe file name"):
        parse_html_page(body, "http://example.test/simple/a/", INDEX)
    files = parse_html_page(body[: body.index("<a", 2)], "http://example.test/simple/a/", INDEX)
    assert files[0].filename == "a-1.0+local-py3-none-any.whl"


def test_cache_paths_come_from_digests(tmp_path: Path) -> None:
    finder = Finder(tmp_path / "cache")
    try:
        one = IndexFile("a-1.0.tar.gz", "http://x/1/a-1.0.tar.gz", "i", "http://x/")
        two = IndexFile("a-1.0.tar.gz", "http://x/2/a-1.0.tar.gz", "i", "http://x/")
        first, second = finder._cache_path(one, "files"), finder._cache_path(two, "files")
        assert first != second and first.name == second.name == "a-1.0.tar.gz"
        assert first.parent.parent == tmp_path / "cache" / index_key("http://x/") / "files"
    finally:
        finder.close()
