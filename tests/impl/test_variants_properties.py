"""Variant properties (PEP 825 "Variant properties")."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.errors import WheelnextError
from wheelnext.variants.errors import InvalidVariantProperty
from wheelnext.variants.properties import (
    VariantFeature,
    VariantProperty,
    iter_properties,
    parse_feature,
    parse_property,
    parse_supported,
    properties_to_map,
)

names = st.from_regex(r"\A[a-z0-9_]+\Z")
values = st.from_regex(r"\A[a-z0-9_.]+\Z")
spaces = st.text(alphabet=" \t", max_size=3)


@pytest.mark.parametrize(
    "text",
    [
        # PEP 825 "Variant properties" examples.
        "x86_64 :: level :: v3",
        "x86_64 :: avx512_bf16 :: on",
        "nvidia :: cuda_version_lower_bound :: 12.8",
        "nvidia :: sm_arch :: 120_real",
        "nvidia :: sm_arch :: 110_real",
    ],
)
def test_pep_examples_round_trip(text: str) -> None:
    assert str(parse_property(text)) == text


def test_whitespace_around_separators_is_ignored() -> None:
    # PEP 825 "Environment markers" example dep7: "foo::bar::baz" is equivalent.
    assert parse_property("foo::bar::baz") == parse_property("foo :: bar :: baz")
    assert parse_feature("foo  ::bar") == VariantFeature("foo", "bar")


@pytest.mark.parametrize(
    "text",
    [
        "X86 :: level :: v3",  # upper case
        "x86-64 :: level :: v3",  # '-' not allowed
        "x86_64 :: le.vel :: v3",  # '.' only in values
        "x86_64 :: level :: ",  # empty value
        " :: level :: v3",
        "x86_64 :: level",
        "a :: b :: c :: d",
        "a :: b :: c d",
    ],
)
def test_invalid_properties(text: str) -> None:
    with pytest.raises(InvalidVariantProperty) as info:
        parse_property(text)
    assert isinstance(info.value, WheelnextError)
    assert repr(text.strip()) in str(info.value) or repr(text) in str(info.value)


@given(names, names, values, spaces, spaces, spaces, spaces)
def test_parse_round_trip(ns: str, f: str, v: str, s1: str, s2: str, s3: str, s4: str) -> None:
    prop = parse_property(f"{ns}{s1}::{s2}{f}{s3}::{s4}{v}")
    assert prop == VariantProperty(ns, f, v)
    assert parse_property(str(prop)) == prop


@given(st.text(max_size=12))
def test_parse_accepts_only_the_pep_grammar(text: str) -> None:
    import re

    ok = re.fullmatch(r"\s*[a-z0-9_]+\s*::\s*[a-z0-9_]+\s*::\s*[a-z0-9_.]+\s*", text)
    try:
        parse_property(text)
    except InvalidVariantProperty:
        assert not ok
    else:
        assert ok


@given(st.lists(st.builds(VariantProperty, names, names, values)))
def test_map_round_trip_sorted(props: list[VariantProperty]) -> None:
    mapping = properties_to_map(props)
    assert set(iter_properties(mapping)) == set(props)
    for features in mapping.values():
        for vals in features.values():
            assert vals == sorted(set(vals))


def test_parse_supported_keeps_first_seen_order() -> None:
    got = parse_supported(["a :: x :: 2", "b :: y :: 1", "a :: x :: 1", "a :: x :: 2"])
    assert got == {"a": {"x": ["2", "1"]}, "b": {"y": ["1"]}}
    assert list(got) == ["a", "b"]


def test_properties_are_ordered_and_hashable() -> None:
    a, b = VariantProperty("a", "x", "1"), VariantProperty("a", "x", "2")
    assert a < b and len({a, b, VariantProperty("a", "x", "1")}) == 2
    assert a.feature_key == VariantFeature("a", "x")
