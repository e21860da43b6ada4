"""PEP 777 Wheel-Version rules (wheelnext.wheel_version)."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.errors import WheelnextError
from wheelnext.wheel_version import (
    NewerWheelVersionWarning,
    SkippedWheelWarning,
    WheelVersion,
    WheelVersionError,
    check_agreement,
    check_before_install,
    check_compatible,
    check_sdist_metadata,
    effective_version,
    filter_compatible,
    metadata_wheel_version,
    parse_wheel_version,
    prefer_newest_format,
)

WHEEL = "Wheel-Version: {}\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
META = "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\n{}\n"


def test_agreement_returns_the_shared_version() -> None:
    version = check_agreement(WHEEL.format("2.0"), META.format("Wheel-Version: 2.0"))
    assert version == WheelVersion(2, 0)


def test_mismatch_aborts_and_names_both_values() -> None:
    with pytest.raises(WheelVersionError, match=r"WHEEL says 1\.0, METADATA says 2\.0"):
        check_agreement(WHEEL.format("1.0"), META.format("Wheel-Version: 2.0"))


def test_absent_metadata_field_means_one_point_zero() -> None:
    assert check_agreement(WHEEL.format("1.0"), META.format("")) == WheelVersion(1, 0)
    assert effective_version(None) == WheelVersion(1, 0)


def test_version_two_requires_the_metadata_field() -> None:
    with pytest.raises(WheelVersionError, match="METADATA has no Wheel-Version"):
        check_agreement(WHEEL.format("2.0"), META.format(""))


def test_field_is_single_use() -> None:
    with pytest.raises(WheelVersionError, match="appears 2 times"):
        metadata_wheel_version(META.format("Wheel-Version: 1.0\nWheel-Version: 1.0"))


def test_newer_minor_warns_newer_major_aborts() -> None:
    with pytest.warns(NewerWheelVersionWarning):
        check_compatible(WheelVersion(2, 7))
    with pytest.raises(WheelVersionError, match="newer than the supported"):
        check_compatible(WheelVersion(3, 0))
    with pytest.warns(NewerWheelVersionWarning, match=r"1\.9 is newer than the supported 1\.0"):
        check_compatible(WheelVersion(1, 9))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_compatible(WheelVersion(1, 0))
        check_compatible(WheelVersion(2, 0))


def test_check_before_install_runs_both_steps() -> None:
    with pytest.raises(WheelVersionError):
        check_before_install(WHEEL.format("3.0"), META.format("Wheel-Version: 3.0"))


def test_pkg_info_with_wheel_version_is_an_error() -> None:
    with pytest.raises(WheelVersionError, match="source distribution"):
        check_sdist_metadata(META.format("Wheel-Version: 1.0"))
    check_sdist_metadata(META.format(""))


def test_resolver_filter_skips_with_a_warning() -> None:
    versions = {"a.whl": None, "b.whlx": WheelVersion(2, 1), "c.whlx": WheelVersion(3, 0)}
    with pytest.warns(SkippedWheelWarning, match="c.whlx"):
        kept = filter_compatible(list(versions), versions.__getitem__)
    assert kept == ["a.whl", "b.whlx"]


def test_preference_for_newest_compatible_format() -> None:
    versions = {"a.whl": None, "b.whlx": WheelVersion(2, 0), "c.whlx": WheelVersion(9, 0)}
    assert prefer_newest_format(list(versions), versions.__getitem__) == ["b.whlx", "a.whl"]


@pytest.mark.parametrize("value", ["2", "2.0.0", "two", "", "-1.0"])
def test_malformed_versions(value: str) -> None:
    with pytest.raises(WheelVersionError):
        parse_wheel_version(value)


@given(st.text(max_size=12))
def test_parse_only_raises_the_documented_error(value: str) -> None:
    try:
        parsed = parse_wheel_version(value)
    except WheelnextError:
        return
    assert str(parsed) == f"{parsed.major}.{parsed.minor}"


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_agreement_iff_equal(a: int, b: int, c: int, d: int) -> None:
    wheel, meta = WHEEL.format(f"{a}.{b}"), META.format(f"Wheel-Version: {c}.{d}")
    if (a, b) == (c, d):
        assert check_agreement(wheel, meta) == WheelVersion(a, b)
    else:
        with pytest.raises(WheelVersionError):
            check_agreement(wheel, meta)
