"""The spec table: every key parsed, every mistake named by source and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wheelnext.build import (
    DataFileSpec,
    DistSpec,
    FileSpec,
    SpecError,
    VariantSpec,
    load_spec,
    spec_from_mapping,
)
from wheelnext.build.spec import requirement_error
from wheelnext.errors import WheelnextError


def parse(**table: Any) -> DistSpec:
    return spec_from_mapping({"name": "demo", "version": "1.0", **table}, source="s.toml:dist[0]")


def test_minimal_table_defaults() -> None:
    spec = parse()
    assert spec == DistSpec(name="demo", version="1.0")
    assert spec.kind == "wheel" and spec.wheel_version == "1.0" and spec.tag == "py3-none-any"
    assert spec.purelib and not spec.is_wheel2


def test_version_is_normalized() -> None:
    assert parse(version="1.0.0-RC1").version == "1.0.0rc1"


def test_every_key() -> None:
    spec = parse(
        kind="wheel",
        **{
            "wheel-version": "2.0",
            "tag": "cp311.cp312-abi3-manylinux_2_28_x86_64",
            "build-tag": "1",
            "requires-python": ">=3.11",
            "requires-dist": ["attrs; extra == 'a'"],
            "provides-extra": ["a"],
            "default-extra": ["a"],
            "summary": "s",
            "description": "body",
            "metadata": {"Author": "x", "Classifier": ["A", "B"]},
            "entry-points": {"console_scripts": {"demo": "demo:main"}},
            "variant": {"label": "v3", "properties": ["x86_64 :: level :: v3"]},
            "files": [{"path": "demo/__init__.py", "text": "x = 1\n", "executable": True}],
            "data": [{"scheme": "scripts", "path": "tool", "base64": "IyFweXRob24K"}],
            "links": [{"path": "demo/link", "target": "demo/__init__.py"}],
        },
    )
    assert spec.is_wheel2 and not spec.purelib and spec.build_tag == "1"
    assert spec.metadata == (("Author", "x"), ("Classifier", "A"), ("Classifier", "B"))
    assert spec.files == (FileSpec("demo/__init__.py", b"x = 1\n", True),)
    assert spec.data == (DataFileSpec("scripts", "tool", b"#!python\n"),)
    assert spec.variant == VariantSpec("v3", ("x86_64 :: level :: v3",))
    assert spec.entry_points[0].value == "demo:main"


def test_pyproject_alias_for_default_extra() -> None:
    """PEP 771's ``default-optional-dependency-keys`` spelling is accepted."""
    spec = parse(**{"provides-extra": ["a"], "default-optional-dependency-keys": ["a"]})
    assert spec.default_extra == ("a",)


def test_fill_content_is_lazy() -> None:
    spec = parse(files=[{"path": "demo/big.bin", "size": 3 << 20, "fill": 1}])
    (file,) = spec.files
    assert file.length == 3 << 20 and file.data == b""
    assert sum(len(c) for c in file.chunks()) == 3 << 20 and set(file.read()) == {1}


@pytest.mark.parametrize(
    ("table", "field"),
    [
        ({"name": "-bad-"}, "name"),
        ({"version": "one"}, "version"),
        ({"kind": "egg"}, "kind"),
        ({"wheel-version": "3"}, "wheel-version"),
        ({"wheel-version": "0.9"}, "wheel-version"),
        ({"wheel-version": "1.01"}, "wheel-version"),
        ({"wheel-version": "2.0.0"}, "wheel-version"),
        ({"metadata-wheel-version": "no"}, "metadata-wheel-version"),
        ({"metadata-wheel-version": False, "wheel-version": "2.0"}, "metadata-wheel-version"),
        ({"metadata-wheel-version": False, "kind": "sdist"}, "metadata-wheel-version"),
        ({"requires-dist": ["b; variant_label == "]}, "requires-dist"),
        ({"requires-dist": ["b; variant_properties == 'a :: b :: c'"]}, "requires-dist"),
        ({"requires-dist": ["b; variant_namespaces in 'ns'"]}, "requires-dist"),
        ({"requires-dist": ["b; 'ns' in variant_namespaces and"]}, "requires-dist"),
        ({"requires-dist": ["b; 'ns' in variant_namespaces and os_nam == 'x'"]}, "requires-dist"),
        ({"requires-dist": ["b; variant_label == variant_label"]}, "requires-dist"),
        ({"requires-dist": ["b!; 'ns' in variant_namespaces"]}, "requires-dist"),
        ({"requires-dist": ["b; vairant_label == 'x'"]}, "requires-dist"),
        ({"kind": "sdist", "requires-dist": ["b; 'ns' in variant_namespaces"]}, "requires-dist"),
        ({"unsafe-defect": "sdist-wheel-version"}, "unsafe-defect"),
        ({"kind": "sdist", "unsafe-defect": "zip-bomb"}, "unsafe-defect"),
        ({"unsafe-defect": "variant-bad-schema"}, "unsafe-defect"),
        ({"unsafe-defect": "escaping-links"}, "unsafe-defect"),
        ({"tag": "py3-none"}, "tag"),
        ({"tag": "3py-none-any"}, "tag"),
        ({"build-tag": "x1"}, "build-tag"),
        ({"requires-python": "3.11"}, "requires-python"),
        ({"requires-dist": ["not a requirement!"]}, "requires-dist"),
        ({"default-extra": ["a"]}, "default-extra"),
        ({"provides-extra": ["a"], "default-extra": ["a"],
          "default-optional-dependency-keys": ["a"]}, "default-optional-dependency-keys"),
        ({"metadata-version": "two"}, "metadata-version"),
        ({"links": [{"path": "demo/a", "target": "demo/b"}]}, "links"),
        ({"files": [{"path": "../evil"}]}, "path"),
        ({"files": [{"path": "/abs"}]}, "path"),
        ({"files": [{"path": "a", "text": "x", "base64": "eA=="}]}, "text"),
        ({"files": [{"path": "a", "base64": "!!"}]}, "base64"),
        ({"files": [{"path": "a", "size": 3, "text": "x"}]}, "size"),
        ({"files": [{"path": "a", "fill": 3}]}, "fill"),
        ({"files": [{"path": "a", "size": 3, "fill": 300}]}, "fill"),
        ({"files": [{"path": "a"}, {"path": "a"}]}, "files"),
        ({"data": [{"scheme": "lib", "path": "a"}]}, "scheme"),
        ({"variant": {"label": "Bad-Label"}}, "label"),
        ({"variant": {"label": "null", "properties": ["a :: b :: c"]}}, "properties"),
        ({"variant": {"label": "null"}}, "namespaces"),
        ({"variant": {"label": "v", "properties": ["a::b::c"]}}, "properties"),
        ({"variant": {"label": "v", "properties": ["a :: b :: c"], "namespaces": ["A"]}},
         "namespaces"),
        ({"kind": "sdist", "wheel-version": "1.0"}, "wheel-version"),
        ({"kind": "sdist", "variant": {"label": "v", "properties": ["a :: b :: c"]}}, "variant"),
        ({"unsafe-defect": "nonsense"}, "unsafe-defect"),
        ({"entry-points": {"g": "x"}}, "entry-points.g"),
        ({"metadata": {"Author": 1}}, "metadata.Author"),
        ({"metadata": {"Bad Name:": "x"}}, "metadata.Bad Name:"),
        ({"requires-dist": "attrs"}, "requires-dist"),
        ({"typo": 1}, "typo"),
    ],
)
def test_errors_name_source_and_field(table: dict[str, Any], field: str) -> None:
    with pytest.raises(SpecError) as info:
        parse(**table)
    message = str(info.value)
    assert message.startswith("s.toml:dist[0]")
    assert field in message
    assert "\n" not in message
    assert isinstance(info.value, WheelnextError)


def test_null_variant_with_namespaces() -> None:
    spec = parse(variant={"label": "null", "namespaces": ["x86_64"]})
    assert spec.variant is not None and spec.variant.is_null
    assert spec.variant.feature_map() == {}


def test_variant_priorities_and_sorted_values() -> None:
    variant = VariantSpec(
        "v", ("b :: f :: 2", "a :: g :: z", "b :: f :: 10"), namespaces=("b",)
    )
    assert variant.priority_namespaces() == ("b", "a")
    assert variant.feature_map() == {"a": {"g": ["z"]}, "b": {"f": ["10", "2"]}}


def test_load_spec(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text('[[dist]]\nname = "a"\nversion = "1"\n[[dist]]\nname = "b"\nversion = "2"\n')
    specs = load_spec(path)
    assert [s.name for s in specs] == ["a", "b"]
    assert specs[1].source == "s.toml:dist[1]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[dist]]\nname = \n", "not valid TOML"),
        ("[project]\nname = 'a'\n", "unknown top-level key 'project'"),
        ("", "no [[dist]] tables"),
        ("[[dist]]\nname = 'a'\n", "s.toml:dist[0]: version: required"),
    ],
)
def test_load_spec_errors(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(SpecError, match=expected.replace("[", r"\[")):
        load_spec(path)


def test_load_spec_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read"):
        load_spec(tmp_path / "absent.toml")


_NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789_", min_size=1, max_size=6)
_SPACE = st.sampled_from(["::", " :: ", " ::", ":: ", "  ::  "])


@st.composite
def variant_clause(draw: st.DrawFn) -> str:
    """One PEP 825 variant-marker comparison, with free whitespace around ``::``."""
    kind = draw(st.sampled_from(["label", "properties", "features", "namespaces", "other"]))
    op = draw(st.sampled_from(["in", "not in"]))
    if kind == "label":
        return f"variant_label {draw(st.sampled_from(['==', '!=']))} '{draw(_NAME)}'"
    if kind == "properties":
        sep = draw(_SPACE)
        return f"'{draw(_NAME)}{sep}{draw(_NAME)}{sep}{draw(_NAME)}' {op} variant_properties"
    if kind == "features":
        return f"'{draw(_NAME)}{draw(_SPACE)}{draw(_NAME)}' {op} variant_features"
    if kind == "namespaces":
        return f"'{draw(_NAME)}' {op} variant_namespaces"
    return draw(st.sampled_from(["python_version >= '3'", "os_name == 'posix'", "extra == 'x'"]))


@given(clauses=st.lists(variant_clause(), min_size=1, max_size=4),
       joins=st.lists(st.sampled_from([" and ", " or "]), min_size=3, max_size=3),
       wrap=st.booleans())
@settings(max_examples=60, deadline=None)
def test_variant_markers_accepted(clauses: list[str], joins: list[str], wrap: bool) -> None:
    """Every marker PEP 825 allows is accepted, however its clauses are combined."""
    marker = clauses[0]
    for join, clause in zip(joins, clauses[1:], strict=False):
        marker += join + (f"({clause})" if wrap else clause)
    assert requirement_error(f"beta>=1; {marker}") is None
    assert parse(**{"requires-dist": [f"beta; {marker}"]}).requires_dist == (f"beta; {marker}",)


@given(st.text(max_size=30))
@settings(max_examples=100, deadline=None)
def test_requirement_error_is_one_line_or_none(text: str) -> None:
    """Never a traceback: any string is either accepted or refused with a one-line reason."""
    reason = requirement_error(text)
    assert reason is None or "\n" not in reason
