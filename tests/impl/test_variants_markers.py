"""Variant environment markers (PEP 825 "Environment markers")."""

from __future__ import annotations

from typing import Any

import pytest
from _support.variants import supported_sets, values, variant_sets
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.variants.markers import (
    NON_VARIANT,
    InvalidVariantMarker,
    VariantEnvironment,
    evaluate_marker,
    requirement_applies,
    uses_variant_markers,
    variant_environment,
)
from wheelnext.variants.ordering import order_variants

FOOBAR = VariantEnvironment("foobar", frozenset({"foo :: bar :: baz"}))
NULL = VariantEnvironment("null")


@pytest.mark.parametrize(
    ("marker", "foobar", "null", "non_variant"),
    [
        # PEP 825 "Environment markers", Example.
        ('variant_label == "foobar"', True, False, False),
        ('variant_label != "null"', True, False, True),
        ('variant_label == ""', False, False, True),
        ('"foo" in variant_namespaces', True, False, False),
        ('"foo :: bar" in variant_features', True, False, False),
        ('"foo :: bar :: baz" in variant_properties', True, False, False),
        ('"foo::bar::baz" in variant_properties', True, False, False),
        ('"foo :: bar :: baz" not in variant_properties', False, True, True),
    ],
)
def test_pep825_examples(marker: str, foobar: bool, null: bool, non_variant: bool) -> None:
    assert evaluate_marker(marker, FOOBAR) is foobar
    assert evaluate_marker(marker, NULL) is null
    assert evaluate_marker(marker, NON_VARIANT) is non_variant


def test_filtering_to_supported_properties() -> None:
    # PEP 825: "On a system that provides only the former, it contains
    # nvidia :: sm_arch :: 120_real alone".
    props = {"nvidia": {"sm_arch": ["110_real", "120_real"]}}
    both = variant_environment("gpu", props, {"nvidia": {"sm_arch": ["120_real", "110_real"]}})
    one = variant_environment("gpu", props, {"nvidia": {"sm_arch": ["120_real"]}})
    marker = '"nvidia :: sm_arch :: 110_real" in variant_properties'
    assert evaluate_marker(marker, both) and not evaluate_marker(marker, one)
    assert one.features == {"nvidia :: sm_arch"} and one.namespaces == {"nvidia"}
    assert variant_environment(None, props, {}) == NON_VARIANT
    # PEP 825 installation example, step 7.
    assert not requirement_applies(
        'fast-gemm; "nvidia :: sm_arch :: 120_real" in variant_properties',
        variant_environment("gpu", props, {"nvidia": {"sm_arch": ["110_real"]}}),
    )


def test_combined_with_standard_markers() -> None:
    env = {"sys_platform": "linux", "python_version": "3.11"}
    assert evaluate_marker('sys_platform == "linux" and "foo" in variant_namespaces', FOOBAR, env)
    assert evaluate_marker(
        '(sys_platform == "win32" or variant_label == "foobar") and python_version >= "3.8"',
        FOOBAR,
        env,
    )
    assert not evaluate_marker('sys_platform == "win32" or variant_label in "xyz"', FOOBAR, env)
    assert evaluate_marker('"fooba" in variant_label', FOOBAR, env)
    assert requirement_applies("dep", FOOBAR) and requirement_applies("dep ; ", FOOBAR)
    assert uses_variant_markers('"a" in variant_namespaces') and not uses_variant_markers(
        'os_name == "nt"'
    )


@pytest.mark.parametrize(
    "marker",
    [
        'variant_properties == "a :: b :: c"',
        'variant_namespaces in "foo"',
        "variant_label == sys_platform",
        'variant_label == "x" and',
        '(variant_label == "x"',
        'variant_label ~= "x"',
        'unknown_marker == "x"',
    ],
)
def test_invalid_markers(marker: str) -> None:
    with pytest.raises(InvalidVariantMarker):
        evaluate_marker(marker, FOOBAR)


@given(
    st.sets(
        st.tuples(values, values, values).map(
            lambda t: f"{t[0].replace('.', '_')} :: {t[1].replace('.', '_')} :: {t[2]}"
        ),
        max_size=4,
    ),
    values,
)
def test_set_markers_are_membership(props: set[str], probe: str) -> None:
    env = VariantEnvironment("x", frozenset(props))
    for prop in props:
        ns, feature, _ = prop.split(" :: ")
        assert evaluate_marker(f'"{prop}" in variant_properties', env)
        assert evaluate_marker(f'"{ns}::{feature}" in variant_features', env)
        assert evaluate_marker(f'"{ns}" in variant_namespaces', env)
    assert evaluate_marker(f'"{probe}" in variant_namespaces', env) == (probe in env.namespaces)


@given(variant_sets(), supported_sets())
def test_filtering_never_removes_a_feature_of_a_selected_wheel(doc: Any, supported: Any) -> None:
    # PEP 825 "Evaluating variant markers", step 3: "this step never removes a feature entirely".
    for ranked in order_variants(doc, supported).ranked:
        props = doc["variants"][ranked.label]
        env = variant_environment(ranked.label, props, supported)
        assert env.features == {f"{ns} :: {f}" for ns, fs in props.items() for f in fs}
        assert env.namespaces == {ns for ns, fs in props.items() if fs}
        assert env.properties == {str(p) for p in ranked.supported_properties}
        for prop in env.properties:
            ns, f, v = prop.split(" :: ")
            assert v in supported[ns][f] and v in props[ns][f]
