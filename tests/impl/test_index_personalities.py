"""Index personalities: each serves what it claims, fetched over real sockets with httpx."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from tests.impl.test_index import make_wheel
from wheelnext.cli import cli
from wheelnext.index import serve_in_process
from wheelnext.index.features import (
    DEFAULT,
    FEATURES,
    PERSONALITIES,
    Personality,
    UnknownPersonality,
    personalities,
    personality,
)
from wheelnext.index.static import serve_static

JSON = "application/vnd.pypi.simple.v1+json"
WHEEL = "foo-1.0-py3-none-any.whl"
VARIANT = "bar-1.0-py3-none-any-lbl.whl"
VARIANTS_JSON = "bar-1.0-variants.json"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    directory = tmp_path / "root"
    directory.mkdir()
    make_wheel(directory, "foo", "1.0", requires_python=">=3.8")
    make_wheel(directory, "foo", "2.0")
    (directory / "foo-2.0-py3-none-any.whl.yanked").write_text("broken")
    make_wheel(directory, "bar", "1.0", label="lbl", properties={"x86_64": {"level": ["v2"]}})
    return directory


@contextlib.contextmanager
def served(root: Path, chosen: Personality) -> Iterator[str]:
    """The base URL of the ``main`` index served with *chosen*."""
    server: Any
    if chosen.static:
        with serve_static({"main": root}, chosen) as server:
            yield server.index_url("main").removesuffix("/simple/")
    else:
        with serve_in_process({"main": root}, personality=chosen) as server:
            yield server.index_url("main").removesuffix("/simple/")


def fetch(base: str, path: str, accept: str = "text/html") -> httpx.Response:
    return httpx.get(f"{base}/{path}", headers={"Accept": accept}, timeout=300)


#: What each personality's ``foo`` page must (True) and must not (False) contain.
CLAIMS = {
    "json-full": {"data-core-metadata": True, "data-dist-info-metadata": True,
                  "#sha256=": True, "data-yanked": True, "data-requires-python": True,
                  "pypi:repository-version": True},
    "html-plain": {"data-core-metadata": False, "data-dist-info-metadata": False,
                   "#sha256=": True, "data-yanked": True, "data-requires-python": True},
    "html-dist-info-metadata": {"data-core-metadata": False, "data-dist-info-metadata": True},
    "html-core-metadata": {"data-core-metadata": True, "data-dist-info-metadata": False},
    "static": {"data-core-metadata": True, "data-dist-info-metadata": True,
               "#sha256=": True, "data-yanked": True, "data-requires-python": True},
}


@pytest.mark.parametrize("name", sorted(PERSONALITIES))
def test_each_personality_serves_what_it_claims(root: Path, name: str) -> None:
    chosen = personality(name)
    with served(root, chosen) as base:
        page = fetch(base, "simple/foo/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith(("text/html", "application/vnd.pypi"))
        for text, present in CLAIMS[name].items():
            assert (text in page.text) is present, (name, text)
        metadata = fetch(base, f"files/{WHEEL}.metadata")
        assert (metadata.status_code == 200) is chosen.metadata_files
        if chosen.metadata_files:
            assert "Name: foo" in metadata.text
            digest = hashlib.sha256(metadata.content).hexdigest()
            assert f"sha256={digest}" in page.text
        wheel = fetch(base, f"files/{WHEEL}")
        assert wheel.status_code == 200 and wheel.content[:2] == b"PK"
        variants = fetch(base, "simple/bar/")
        assert (VARIANTS_JSON in variants.text) is chosen.has("variants-file")
        assert VARIANT in variants.text
        listed = fetch(base, f"files/{VARIANTS_JSON}")
        assert (listed.status_code == 200) is chosen.has("variants-file")
        as_json = fetch(base, "simple/foo/", accept=JSON)
        if chosen.has("json-api"):
            assert as_json.headers["content-type"] == JSON
            assert as_json.json()["files"][0]["core-metadata"]
        else:
            assert not as_json.headers.get("content-type", "").startswith(JSON)


def test_static_has_no_negotiation_no_redirects_no_listings(root: Path) -> None:
    with served(root, PERSONALITIES["static"]) as base:
        html = fetch(base, "simple/foo/", accept="text/html")
        as_json = fetch(base, "simple/foo/", accept=JSON)
        assert as_json.status_code == 200
        assert as_json.headers["content-type"] == html.headers["content-type"] == "text/html"
        assert as_json.content == html.content
        assert fetch(base, "simple/foo/?format=" + JSON).content == html.content
        assert fetch(base, "simple/foo").status_code == 404  # no redirect to add the slash
        assert fetch(base, "simple/Foo/").status_code == 404  # nor to the normalized name
        assert fetch(base, "files/").status_code == 404  # no generated listing
        assert fetch(base, "simple/").status_code == 200


def test_static_request_log_and_failing_index(root: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with serve_static({"main": root, "down": other}, PERSONALITIES["static"],
                      failures={"down": 503}) as server:
        assert httpx.get(server.index_url("main") + "foo/", timeout=300).status_code == 200
        assert httpx.get(server.index_url("down"), timeout=300).status_code == 503
        logged = [(r.index, r.path, r.status) for r in server.requests]
    assert logged == [("main", "/main/simple/foo/", 200), ("down", "/down/simple/", 503)]


def test_a_knockout_lacks_exactly_its_feature(root: Path) -> None:
    for feature in FEATURES:
        knockout = DEFAULT.without(feature)
        assert knockout.features == DEFAULT.features - {feature}
        assert knockout.knocked_out == feature and not DEFAULT.knocked_out
    with served(root, DEFAULT.without("yanked")) as base:
        page = fetch(base, "simple/foo/")
        assert "data-yanked" not in page.text and "data-core-metadata" in page.text
        assert "yanked" not in fetch(base, "simple/foo/", accept=JSON).json()["files"][1]
    with served(root, DEFAULT.without("hashes")) as base:
        assert "#sha256=" not in fetch(base, "simple/foo/").text
        assert fetch(base, "simple/foo/", accept=JSON).json()["files"][0]["hashes"] == {}


def test_names_are_checked() -> None:
    assert personalities([]) == [DEFAULT]
    assert [p.name for p in personalities(["static", "html-plain", "static"])] == [
        "static", "html-plain"]
    with pytest.raises(UnknownPersonality, match="--index-personality 'nope': expected one of"):
        personality("nope")
    with pytest.raises(UnknownPersonality, match="index feature 'nope'"):
        DEFAULT.without("nope")


def test_index_serve_has_no_personality_or_feature_switch() -> None:
    """Only the harness picks a personality; the served index is always the default."""
    shown = CliRunner().invoke(cli, ["index", "serve", "--help"]).output
    for word in ("personality", "feature", "knock", "without"):
        assert word not in shown.lower()


def test_without_variants_validation_the_rejected_variant_wheels_are_listed(
    root: Path,
) -> None:
    make_wheel(root, "bar", "2.0", label="bad", with_variant_json=False)
    rejected = "bar-2.0-py3-none-any-bad.whl"
    with served(root, DEFAULT) as base:
        assert rejected not in fetch(base, "simple/bar/").text
    with served(root, DEFAULT.without("variants-validation")) as base:
        assert rejected in fetch(base, "simple/bar/").text
        names = [f["filename"] for f in fetch(base, "simple/bar/", accept=JSON).json()["files"]]
        assert names == sorted(names) and rejected in names and VARIANT in names


def test_the_metadata_verbatim_knockout_serves_metadata_rebuilt_at_2_1() -> None:
    """What an index that stores parsed fields writes back: the fields of Metadata-Version 2.1,
    in their order, and the description; newer fields (Wheel-Version, Default-Extra) gone."""
    from wheelnext.index.core_metadata import rebuilt

    core = (b"Metadata-Version: 2.7\nName: alpha\nVersion: 1.0\nWheel-Version: 2.0\n"
            b"Provides-Extra: recommended\nDefault-Extra: recommended\n"
            b"Requires-Dist: beta; extra == 'recommended'\n\nThe description.\n")
    assert rebuilt(core) == (
        b"Metadata-Version: 2.1\nName: alpha\nVersion: 1.0\nProvides-Extra: recommended\n"
        b"Requires-Dist: beta; extra == 'recommended'\n\nThe description.\n")
