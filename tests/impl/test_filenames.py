"""Filenames with PEP 825 variant labels and the PEP 777 ``.whlx`` extension."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import Version

from wheelnext.errors import InvalidFilename
from wheelnext.filenames import (
    check_file_component,
    check_index_filename,
    is_distribution_filename,
    parse_sdist_name,
    parse_wheel_name,
    project_of,
    sdist_name,
    validate_variant_label,
    wheel_name,
)

PEP825_EXAMPLES = {
    "numpy-2.3.2-cp313-cp313t-musllinux_1_2_x86_64.whl": None,
    "numpy-2.3.2-cp313-cp313t-musllinux_1_2_x86_64-x86_64_v3.whl": "x86_64_v3",
    "numpy-2.3.2-cp313-cp313t-musllinux_1_2_x86_64-null.whl": "null",
}


@pytest.mark.parametrize(("filename", "label"), PEP825_EXAMPLES.items())
def test_pep825_examples(filename: str, label: str | None) -> None:
    parsed = parse_wheel_name(filename)
    assert parsed.name == "numpy"
    assert parsed.version == Version("2.3.2")
    assert parsed.variant_label == label
    assert parsed.is_null_variant == (label == "null")
    assert parsed.extension == ".whl"


def test_build_tag_is_not_a_label() -> None:
    """PEP 825: "The Python tag component MUST NOT start with a digit"."""
    parsed = parse_wheel_name("pkg-1.0-1-py3-none-any.whl")
    assert parsed.build == (1, "")
    assert parsed.variant_label is None


def test_build_tag_and_label() -> None:
    parsed = parse_wheel_name("pkg-1.0-7abc-py3-none-any-cu129.whl")
    assert parsed.build == (7, "abc")
    assert parsed.variant_label == "cu129"


def test_whlx_extension() -> None:
    parsed = parse_wheel_name("pkg-1.0-py3-none-any.whlx")
    assert parsed.is_wheel2
    assert not parsed.is_variant


def test_packaging_rejects_what_we_accept() -> None:
    """Today's parser refuses both new kinds, as the PEPs intend."""
    for filename in (
        "numpy-2.3.2-cp313-cp313t-musllinux_1_2_x86_64-x86_64_v3.whl",
        "pkg-1.0-py3-none-any.whlx",
    ):
        with pytest.raises(InvalidWheelFilename):
            parse_wheel_filename(filename)
        parse_wheel_name(filename)


@pytest.mark.parametrize(
    "filename",
    [
        "pkg-1.0-py3-none-any.zip",
        "pkg-1.0-py3-none-any-UPPER.whl",
        "pkg-1.0-py3-none-any-a-b.whl",
        "pkg-1.0-py3-none-any-x-y-z.whl",
        "pkg-1.0.whl",
        "pkg-1.0-py3-none-any-.whl",
        "pkg-1.0-py3-none-any-has-dash.whl",
    ],
)
def test_invalid_filenames(filename: str) -> None:
    with pytest.raises(InvalidFilename, match=r"pkg-1\.0|label"):
        parse_wheel_name(filename)


@pytest.mark.parametrize("label", ["", "X86", "a-b", "a b", "é"])
def test_invalid_labels(label: str) -> None:
    with pytest.raises(InvalidFilename, match="variant label"):
        validate_variant_label(label)


def test_label_length_follows_pep825_with_pep817_bound_optional() -> None:
    long_label = "a" * 17
    assert validate_variant_label(long_label) == long_label
    with pytest.raises(InvalidFilename, match="longer than 16"):
        validate_variant_label(long_label, max_length=16)


labels = st.from_regex(r"\A[0-9a-z_.]{1,20}\Z")
names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,8}([-_.][A-Za-z0-9]{1,5}){0,2}\Z")
versions = st.builds(
    lambda major, minor, patch: f"{major}.{minor}.{patch}",
    st.integers(0, 99),
    st.integers(0, 99),
    st.integers(0, 99),
)
tags = st.sampled_from(
    [
        "py3-none-any",
        "cp311-cp311-manylinux_2_28_x86_64",
        "py2.py3-none-any",
        "cp313-abi3-win_amd64",
    ]
)


@given(
    names,
    versions,
    tags,
    st.none() | st.from_regex(r"\A[0-9]{1,3}[a-z]{0,3}\Z"),
    st.none() | labels,
    st.sampled_from([".whl", ".whlx"]),
)
def test_roundtrip(
    name: str, version: str, tag: str, build: str | None, label: str | None, ext: str
) -> None:
    filename = wheel_name(name, version, tag, build=build, variant_label=label, extension=ext)
    parsed = parse_wheel_name(filename)
    assert parsed.variant_label == label
    assert parsed.version == Version(version)
    assert parsed.extension == ext
    assert parsed.name == project_of(filename)
    assert (parsed.build != ()) == (build is not None)
    if label is None and ext == ".whl":
        assert parse_wheel_filename(filename)[:3] == (parsed.name, parsed.version, parsed.build)


def test_sdists() -> None:
    assert sdist_name("My.Pkg", "1.0") == "my_pkg-1.0.tar.gz"
    assert parse_sdist_name("my_pkg-1.0.tar.gz")[0] == "my-pkg"
    assert project_of("my_pkg-1.0.tar.gz") == "my-pkg"
    with pytest.raises(InvalidFilename, match=r"nope\.tar\.gz"):
        parse_sdist_name("nope.tar.gz")


def test_distribution_filenames() -> None:
    assert is_distribution_filename("a-1-py3-none-any.whlx")
    assert is_distribution_filename("a-1.tar.gz")
    assert not is_distribution_filename("a-1-py3-none-any.whl.metadata")
    assert not is_distribution_filename("yanked.toml")


@pytest.mark.parametrize("build", ["1/../../x", "1\\x", "1 x", "1%2f", "1\x00", "1+x"])
def test_build_tag_is_digits_then_word_characters(build: str) -> None:
    """Binary distribution format: the build tag "Must start with a digit"; ``packaging``
    accepts anything after the digits, ``/`` included."""
    with pytest.raises(InvalidFilename):
        parse_wheel_name(f"demo-1.0-{build}-py3-none-any.whl")


@pytest.mark.parametrize(("build", "parsed"), [("1", (1, "")), ("12a", (12, "a")),
                                               ("1_b.c", (1, "_b.c"))])
def test_valid_build_tags_still_parse(build: str, parsed: tuple[int, str]) -> None:
    assert parse_wheel_name(f"demo-1.0-{build}-py3-none-any.whl").build == parsed


@pytest.mark.parametrize("name", ["", ".", "..", "a/b.whl", "a\\b.whl", "a\x00.whl",
                                  "a\nb.whl", ".hidden-1.0.tar.gz", "x" * 256])
def test_unsafe_file_components_are_refused(name: str) -> None:
    with pytest.raises(InvalidFilename) as caught:
        check_file_component(name)
    assert len(str(caught.value)) < 200


@pytest.mark.parametrize("name", ["demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz",
                                  "demo-1.0-1-py3-none-any.whlx", "demo-1.0.zip"])
def test_index_filenames_accept_distribution_names(name: str) -> None:
    assert check_index_filename(name) == name


@pytest.mark.parametrize("name", ["demo-1.0.egg", "demo-1.0-py3-none-any.whl.metadata",
                                  "demo-1.0-1%2e%2e-py3-none-any.whl", "demo.tar.gz"])
def test_index_filenames_refuse_other_names(name: str) -> None:
    with pytest.raises(InvalidFilename):
        check_index_filename(name)


@given(st.text(min_size=1, max_size=60))
def test_accepted_index_filenames_are_one_plain_component(name: str) -> None:
    try:
        check_index_filename(name)
    except InvalidFilename:
        return
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name not in (".", "..") and not name.startswith(".")


def test_parsed_names_are_reused() -> None:
    """A resolution asks for the same wheel names again and again: parsed once."""
    name = "lib_01-1.0-py3-none-any.whl"
    assert parse_wheel_name(name) is parse_wheel_name(name)
