"""Variant ordering and selection (PEP 825 "Variant ordering", PEP 817 overrides)."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest
from _support.variants import (
    PEP817_VARIANTS_JSON,
    PEP825_VARIANTS_JSON,
    S825,
    supported_sets,
    variant_sets,
)
from hypothesis import given
from hypothesis import strategies as st
from packaging.tags import Tag

from wheelnext.errors import WheelnextError
from wheelnext.variants.ordering import OrderingOptions, order_variants
from wheelnext.variants.properties import VariantFeature, VariantProperty
from wheelnext.variants.select import select_wheels


def reference_order(doc: dict[str, Any], supported: dict[str, dict[str, list[str]]]) -> list[str]:
    """PEP 825's (and PEP 817's) reference pseudo-code, transcribed, plus the filter."""
    prio = doc["default-priorities"]
    namespace_order = prio["namespace"]
    feature_order: dict[str, list[str]] = {}
    value_order: dict[str, dict[str, list[str]]] = {}
    for namespace in namespace_order:
        feature_order[namespace] = list(prio.get("feature", {}).get(namespace, []))
        for name in supported.get(namespace, {}):
            if name not in feature_order[namespace]:
                feature_order[namespace].append(name)
        value_order[namespace] = {}
        for name in feature_order[namespace]:
            value_order[namespace][name] = list(
                prio.get("property", {}).get(namespace, {}).get(name, [])
            )
            for value in supported.get(namespace, {}).get(name, []):
                if value not in value_order[namespace][name]:
                    value_order[namespace][name].append(value)

    def compatible(props: dict[str, dict[str, list[str]]]) -> bool:
        return all(
            any(v in supported.get(ns, {}).get(f, []) for v in vals)
            for ns, fs in props.items()
            for f, vals in fs.items()
        )

    def best_value(ns: str, f: str, vals: list[str]) -> str:
        for best in value_order[ns][f]:
            if best in vals and best in supported[ns][f]:
                return best
        raise AssertionError

    def key(prop: tuple[str, str, str]) -> tuple[int, int, int]:
        ns, f, v = prop
        return (namespace_order.index(ns), feature_order[ns].index(f), value_order[ns][f].index(v))

    def sorted_props(label: str) -> list[tuple[str, str, str]]:
        props = doc["variants"][label]
        return sorted(
            (
                (ns, f, best_value(ns, f, vals))
                for ns, fs in props.items()
                for f, vals in fs.items()
            ),
            key=key,
        )

    def lt(a: str, b: str) -> bool:
        pa, pb = sorted_props(a), sorted_props(b)
        for x, y in zip(pa, pb, strict=False):
            if x != y:
                return key(x) < key(y)
        if len(pa) != len(pb):
            return len(pa) > len(pb)
        return a < b

    labels = [label for label, props in doc["variants"].items() if compatible(props)]
    def compare(a: str, b: str) -> int:
        return -1 if lt(a, b) else (1 if lt(b, a) else 0)

    return sorted(labels, key=functools.cmp_to_key(compare))


def test_pep825_index_example() -> None:
    supported = {
        "x86_64": {"level": ["v4", "v3", "v2", "v1"]},
        "blas_lapack": {"library": ["openblas", "mkl"]},
    }
    assert order_variants(PEP825_VARIANTS_JSON, supported).labels == [
        "x86_64_v4_mkl",
        "x86_64_v3_openblas",
        "null",
    ]
    only_v3 = {
        "x86_64": {"level": ["v3", "v2", "v1"]},
        "blas_lapack": {"library": ["openblas", "mkl"]},
    }
    result = order_variants(PEP825_VARIANTS_JSON, only_v3)
    assert result.labels == ["x86_64_v3_openblas", "null"]
    assert "x86_64 :: level :: v4" in result.rejected["x86_64_v4_mkl"]


TORCH = {
    "$schema": S825,
    "default-priorities": {"namespace": ["nvidia", "amd"]},
    "variants": {
        "cuda12.6": {
            "nvidia": {"cuda_version_lower_bound": ["12.6"], "sm_arch": ["100_real", "90_real"]}
        },
        "cuda13.0": {
            "nvidia": {"cuda_version_lower_bound": ["13.0"], "sm_arch": ["100_real", "120_real"]}
        },
        "cuda13.2": {"nvidia": {"cuda_version_lower_bound": ["13.2"], "sm_arch": ["120_real"]}},
        "rocm7.2": {"amd": {"gfx_arch": ["gfx1100"], "rocm_version": ["7.2"]}},
        "null": {},
    },
}


def test_pep825_installation_example() -> None:
    # "The wheels for CUDA 13 will sort before the ones for CUDA 12 [...] The null
    # wheel always sorts last".
    supported = {
        "nvidia": {
            "cuda_version_lower_bound": ["13.0", "12.8", "12.6"],
            "sm_arch": ["100_real", "90_real"],
        }
    }
    result = order_variants(TORCH, supported)
    assert result.labels == ["cuda13.0", "cuda12.6", "null"]
    assert set(result.rejected) == {"cuda13.2", "rocm7.2"}
    assert order_variants(TORCH, {}).labels == ["null"]


def test_multi_value_or_within_feature_and_across_features() -> None:
    doc = {
        "$schema": S825,
        "default-priorities": {"namespace": ["n"]},
        "variants": {"both": {"n": {"f": ["1", "2"], "g": ["x"]}}, "one": {"n": {"f": ["2"]}}},
    }
    assert order_variants(doc, {"n": {"f": ["2"], "g": ["x"]}}).labels == ["both", "one"]
    # AND across features: g unsupported rejects "both" even though f matches.
    assert order_variants(doc, {"n": {"f": ["1", "2"]}}).labels == ["one"]
    # The best value of "both" for f is 1 when the system prefers 1.
    best = order_variants(doc, {"n": {"f": ["1", "2"], "g": ["x"]}}).ranked[0]
    assert VariantProperty("n", "f", "1") in best.best_properties
    assert best.supported_properties == {
        VariantProperty("n", "f", "1"),
        VariantProperty("n", "f", "2"),
        VariantProperty("n", "g", "x"),
    }


def test_more_properties_first_then_label() -> None:
    doc = {
        "$schema": S825,
        "default-priorities": {"namespace": ["n"]},
        "variants": {
            "b": {"n": {"f": ["1"]}},
            "a": {"n": {"f": ["1"]}},
            "c": {"n": {"f": ["1"], "g": ["1"]}},
        },
    }
    assert order_variants(doc, {"n": {"f": ["1"], "g": ["1"]}}).labels == ["c", "a", "b"]


def test_pep817_priority_overrides() -> None:
    supported = {"x86_64": {"level": ["v4", "v3", "v2", "v1"]}}
    # default-priorities.property puts v3 before v4; blas_lapack comes from static-properties.
    result = order_variants(PEP817_VARIANTS_JSON, supported)
    assert result.labels == ["x8664v3_openblas", "x8664v4_mkl"]
    assert result.value_order["x86_64"]["level"] == ["v3", "v2", "v1", "v4"]
    assert result.value_order["blas_lapack"]["provider"] == ["accelerate", "openblas", "mkl"]


def test_user_options_reorder_and_narrow() -> None:
    supported = {"x86_64": {"level": ["v4", "v3"]}, "blas_lapack": {"library": ["openblas", "mkl"]}}
    prefer = OrderingOptions(
        prefer_properties=(VariantProperty("blas_lapack", "library", "openblas"),),
        prefer_namespaces=("blas_lapack",),
    )
    assert order_variants(PEP825_VARIANTS_JSON, supported, prefer).labels[0] == "x86_64_v3_openblas"
    assert order_variants(
        PEP825_VARIANTS_JSON, supported, OrderingOptions(exclude_labels={"x86_64_v4_mkl"})
    ).labels == ["x86_64_v3_openblas", "null"]
    narrowed = order_variants(
        PEP825_VARIANTS_JSON, {}, OrderingOptions(only_labels={"x86_64_v4_mkl"})
    )
    assert narrowed.labels == [] and "not supported" in narrowed.rejected["x86_64_v4_mkl"]


@given(variant_sets(), supported_sets())
def test_matches_the_pep_reference_pseudocode(
    doc: dict[str, Any], supported: dict[str, dict[str, list[str]]]
) -> None:
    assert order_variants(doc, supported).labels == reference_order(doc, supported)


@st.composite
def overrides(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    ns = doc["default-priorities"]["namespace"]
    doc["default-priorities"]["feature"] = {
        n: draw(st.lists(st.sampled_from(["f", "g", "h"]), unique=True))
        for n in draw(st.lists(st.sampled_from(ns), unique=True))
    }
    doc["default-priorities"]["property"] = {
        n: {
            f: draw(st.lists(st.sampled_from(["1", "2", "3", "4"]), unique=True))
            for f in draw(st.lists(st.sampled_from(["f", "g"]), unique=True))
        }
        for n in draw(st.lists(st.sampled_from(ns), unique=True))
    }
    return doc


@given(st.data())
def test_pep817_overrides_match_the_reference(data: st.DataObject) -> None:
    doc = data.draw(overrides(data.draw(variant_sets())))
    supported = data.draw(supported_sets())
    assert order_variants(doc, supported).labels == reference_order(doc, supported)


@given(variant_sets(), supported_sets(), st.data())
def test_options_never_select_unsupported(
    doc: dict[str, Any], supported: Any, data: st.DataObject
) -> None:
    labels = list(doc["variants"])
    options = OrderingOptions(
        prefer_namespaces=data.draw(st.lists(st.sampled_from(["a", "b", "c", "d", "zz"]))),
        prefer_features=[
            VariantFeature(n, f)
            for n, f in data.draw(
                st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from("fgh")))
            )
        ],
        prefer_properties=[
            VariantProperty(n, f, v)
            for n, f, v in data.draw(
                st.lists(
                    st.tuples(
                        st.sampled_from("abcd"), st.sampled_from("fgh"), st.sampled_from("12345")
                    )
                )
            )
        ],
        only_labels=data.draw(st.sets(st.sampled_from(labels))) if labels else (),
        exclude_labels=data.draw(st.sets(st.sampled_from(labels))) if labels else (),
    )
    plain = set(order_variants(doc, supported).labels)
    ranked = order_variants(doc, supported, options)
    assert set(ranked.labels) <= plain
    assert set(ranked.labels) | set(ranked.rejected) == set(labels)
    for item in ranked.ranked:
        for prop in item.best_properties:
            assert prop.value in supported[prop.namespace][prop.feature]


@given(variant_sets(), supported_sets())
def test_null_last_and_ranking_is_total(doc: dict[str, Any], supported: Any) -> None:
    labels = order_variants(doc, supported).labels
    if "null" in labels:
        empty = [label for label in labels if not any(doc["variants"][label].values())]
        assert labels[-len(empty) :] == sorted(empty)
    assert len(labels) == len(set(labels))


def w(label: str | None, plat: str = "linux_x86_64", build: str = "") -> str:
    suffix = f"-{label}" if label else ""
    b = f"-{build}" if build else ""
    return f"foo-1.2.3{b}-cp313-cp313-{plat}{suffix}.whl"


def test_select_groups_variants_then_non_variant_then_tags() -> None:
    supported = {"x86_64": {"level": ["v3"]}, "blas_lapack": {"library": ["openblas"]}}
    tags = [Tag("cp313", "cp313", "manylinux_2_28_x86_64"), Tag("cp313", "cp313", "linux_x86_64")]
    wheels = [
        w(None),
        w("null"),
        w("x86_64_v4_mkl"),
        w("x86_64_v3_openblas"),
        w("x86_64_v3_openblas", "manylinux_2_28_x86_64"),
        w(None, "win_amd64"),
        w("null", build="2"),
        w("unknown"),
    ]
    selection = select_wheels(wheels, PEP825_VARIANTS_JSON, supported, tags=tags)
    assert selection.filenames == [
        w("x86_64_v3_openblas", "manylinux_2_28_x86_64"),
        w("x86_64_v3_openblas"),
        w("null", build="2"),
        w("null"),
        w(None),
    ]
    reasons = dict(selection.rejected)
    assert "platform" in reasons[w(None, "win_amd64")]
    assert "v4" in reasons[w("x86_64_v4_mkl")]
    assert "not in the variant metadata" in reasons[w("unknown")]
    assert selection.best is not None and selection.best.ranked is not None


def test_select_without_metadata_or_with_variants_disabled() -> None:
    wheels = [w("null"), w(None)]
    assert select_wheels(wheels, None, {}).filenames == [w(None)]
    off = select_wheels(
        wheels, PEP825_VARIANTS_JSON, {}, options=OrderingOptions(use_variants=False)
    )
    assert off.filenames == [w(None)] and "disabled" in off.rejected[0][1]


def test_select_refuses_mixed_releases() -> None:
    with pytest.raises(WheelnextError, match="several package versions"):
        select_wheels([w(None), "foo-2.0-py3-none-any.whl"], None, {})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.dictionaries(st.sampled_from(["$schema", "default-priorities", "variants"]), json_values),
    supported_sets(),
)
def test_malformed_metadata_degrades_to_non_variant_wheels(
    doc: dict[str, Any], supported: Any
) -> None:
    # PEP 825 "Implementation requirements": degrade gracefully, "ignoring the variant wheels".
    selection = select_wheels([w("null"), w("abc"), w(None)], doc, supported)
    assert selection.filenames[-1] == w(None)
    assert {name for name, _ in selection.rejected} | set(selection.filenames) == {
        w("null"),
        w("abc"),
        w(None),
    }


@given(variant_sets(), supported_sets())
def test_selection_groups_are_ordered_and_complete(doc: dict[str, Any], supported: Any) -> None:
    labels = list(doc["variants"])
    wheels = (
        [w(label) for label in labels]
        + [w(label, "manylinux_2_28_x86_64") for label in labels]
        + [w(None)]
    )
    tags = [Tag("cp313", "cp313", "manylinux_2_28_x86_64"), Tag("cp313", "cp313", "linux_x86_64")]
    selection = select_wheels(wheels, doc, supported, tags=tags)
    order = order_variants(doc, supported).labels
    got = [c.wheel.variant_label for c in selection.ordered]
    # Each compatible label appears as one group of two wheels, best tag first, then non-variant.
    assert got == [label for label in order for _ in range(2)] + [None]
    for first, second in zip(selection.ordered[:-1:2], selection.ordered[1:-1:2], strict=True):
        assert "manylinux" in first.filename and "manylinux" not in second.filename
    assert len(selection.rejected) == 2 * (len(labels) - len(order))


def test_multi_value_ordering_follows_pep825_best_value() -> None:
    """PEP 825 step 4 ranks a group by the best value of each feature; PEP 817's steps 4-6
    compare every property. With ``level`` before ``avx2``: a = level [v2, v3],
    b = level v3 + avx2 gives b, a here (PEP 817's text gives a, b); see
    docs/spec-notes/pep817-multi-value-ordering.rst."""
    doc = {
        "default-priorities": {"namespace": ["x86_64"], "feature": {"x86_64": ["level", "avx2"]}},
        "variants": {"a": {"x86_64": {"level": ["v2", "v3"]}},
                     "b": {"x86_64": {"level": ["v3"], "avx2": ["on"]}}},
    }
    supported = {"x86_64": {"level": ["v3", "v2"], "avx2": ["on"]}}
    assert order_variants(doc, supported).labels == ["b", "a"]
