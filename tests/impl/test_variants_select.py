"""The lean filename split of the selection path agrees with the full parse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from wheelnext.errors import InvalidFilename
from wheelnext.filenames import parse_wheel_name
from wheelnext.variants.select import _plain_wheel, select_wheels

common = ["foo", "Foo.Bar", "a__b", "1.0", "01.0.0", "1.0a1", "1!2", "7", "7abc", "py3", "3py",
          "cp313", "py2.py3", "none", "any", "manylinux_2_28_x86_64", "x86_64_v3", "null", "A"]
parts = st.sampled_from(common) | st.text("aZ09._+!", min_size=0, max_size=5)


@given(st.lists(parts, min_size=4, max_size=8), st.sampled_from([".whl", ".whlx", ""]))
def test_plain_split_never_accepts_what_the_full_parse_rejects(
    pieces: list[str], extension: str
) -> None:
    filename = "-".join(pieces) + extension
    plain = _plain_wheel(filename)
    if plain is None:
        return
    wheel = parse_wheel_name(filename)
    name, release, build, label = plain
    assert (name, build, label) == (wheel.name, wheel.build, wheel.variant_label)
    assert Version(".".join(map(str, release))) == wheel.version


@pytest.mark.parametrize(
    "filename",
    [
        "foo-1.0-py3-none-any.whl",
        "Foo.Bar-01.2.0-7abc-cp313-cp313-manylinux_2_28_x86_64-x86_64_v3.whl",
        "foo-1.0-1-py3-none-any.whl",
        "foo-1.0-py3.py2-none-any-null.whl",
    ],
)
def test_plain_split_takes_ordinary_filenames(filename: str) -> None:
    wheel = parse_wheel_name(filename)
    name, release, build, label = _plain_wheel(filename) or ("", (), (), None)
    assert (name, build, label) == (wheel.name, wheel.build, wheel.variant_label)
    assert Version(".".join(map(str, release))) == wheel.version


def test_candidates_parse_their_wheel_on_demand() -> None:
    selection = select_wheels(["a/foo-1.0-py3-none-any.whl"], None, {})
    assert selection.best is not None and selection.best.filename == "a/foo-1.0-py3-none-any.whl"
    assert selection.best.wheel == parse_wheel_name("foo-1.0-py3-none-any.whl")
    with pytest.raises(AttributeError):
        selection.best.filename = "x"  # type: ignore[misc]


def test_equal_versions_spelled_differently_are_one_release() -> None:
    wheels = ["foo-1.0-py3-none-any.whl", "Foo-1.0.0-py3-none-any-x.whl"]
    selection = select_wheels(wheels, None, {})
    assert selection.filenames == ["foo-1.0-py3-none-any.whl"]


def test_invalid_filenames_still_fail_the_full_parse() -> None:
    with pytest.raises(InvalidFilename):
        select_wheels(["foo__bar-1.0-py3-none-any.whl"], None, {})
    with pytest.raises(InvalidFilename):
        select_wheels(["foo-1.0-py3-none-any-ABC.whl"], None, {})


def test_selections_copy_and_pickle_like_dataclasses() -> None:
    import copy
    import pickle

    selection = select_wheels(["foo-1.0-py3-none-any.whl", "foo-1.0-py3-none-any-x.whl"], None, {})
    assert copy.deepcopy(selection) == selection
    best = selection.best
    assert best is not None and pickle.loads(pickle.dumps(best)) == best
    assert hash(best) == hash(copy.copy(best)) and best.wheel.variant_label is None
