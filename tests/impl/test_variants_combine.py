"""Combining variant metadata (PEP 825 "Metadata consistency")."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from _support.variants import PEP817_VARIANTS_JSON, PEP825_VARIANTS_JSON, S825, variant_sets
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.variants.combine import combine_variant_metadata
from wheelnext.variants.errors import InconsistentVariantMetadata, InvalidVariantMetadata
from wheelnext.variants.schema import validate_variant_json


def split(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """One variant.json per label, as the wheels of a release would carry."""
    return [
        (f"w-{label}.whl", {**copy.deepcopy(doc), "variants": {label: props}})
        for label, props in doc["variants"].items()
    ]


def test_pep825_example_combines_from_its_wheels() -> None:
    combined = combine_variant_metadata(split(PEP825_VARIANTS_JSON))
    assert combined == PEP825_VARIANTS_JSON
    assert list(combined) == ["$schema", "default-priorities", "variants"]
    validate_variant_json(combined, source="combined", kind="index")


def test_pep817_example_combines_from_its_wheels() -> None:
    combined = combine_variant_metadata(split(PEP817_VARIANTS_JSON))
    assert combined == PEP817_VARIANTS_JSON


def test_namespace_prefix_rule_takes_the_longer_list() -> None:
    short = ("a.whl", {"$schema": S825, "default-priorities": {"namespace": ["x"]}, "variants": {}})
    long = (
        "b.whl",
        {"$schema": S825, "default-priorities": {"namespace": ["x", "y"]}, "variants": {}},
    )
    assert combine_variant_metadata([short, long])["default-priorities"]["namespace"] == ["x", "y"]
    other = (
        "c.whl",
        {"$schema": S825, "default-priorities": {"namespace": ["y", "x"]}, "variants": {}},
    )
    with pytest.raises(InconsistentVariantMetadata) as info:
        combine_variant_metadata([long, other])
    assert "default-priorities.namespace" in str(info.value)
    assert "b.whl" in str(info.value) and "c.whl" in str(info.value) and "'x'" in str(info.value)


def test_same_label_different_properties_names_label_and_sources() -> None:
    a = (
        "a.whl",
        {
            "$schema": S825,
            "default-priorities": {"namespace": ["x"]},
            "variants": {"l": {"x": {"f": ["1"]}}},
        },
    )
    b = (
        "b.whl",
        {
            "$schema": S825,
            "default-priorities": {"namespace": ["x"]},
            "variants": {"l": {"x": {"f": ["2"]}}},
        },
    )
    with pytest.raises(InconsistentVariantMetadata, match=r"variant label 'l': a\.whl .* b\.whl"):
        combine_variant_metadata([b, a])


def test_mixed_schema_versions_do_not_combine() -> None:
    a = ("a.whl", PEP825_VARIANTS_JSON)
    b = ("b.whl", PEP817_VARIANTS_JSON)
    with pytest.raises(InconsistentVariantMetadata, match=r"\$schema"):
        combine_variant_metadata([a, b])


def test_nothing_to_combine() -> None:
    with pytest.raises(InvalidVariantMetadata):
        combine_variant_metadata([])


@st.composite
def release_pieces(draw: st.DrawFn) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    doc = draw(variant_sets())
    pieces = split(doc)
    full = doc["default-priorities"]["namespace"]
    for _, piece in pieces:  # each wheel may carry a prefix of the final namespace list
        piece["default-priorities"]["namespace"] = full[: draw(st.integers(1, len(full)))]
    pieces.append(("index.json", copy.deepcopy(doc)))
    return doc, pieces


@given(release_pieces(), st.randoms())
def test_combining_is_order_independent_and_yields_the_union(
    data: tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]], rnd: Any
) -> None:
    doc, pieces = data
    first = combine_variant_metadata(pieces)
    rnd.shuffle(pieces)
    second = combine_variant_metadata(pieces)
    assert json.dumps(first) == json.dumps(second)
    assert first["variants"] == doc["variants"]
    assert first["default-priorities"]["namespace"] == doc["default-priorities"]["namespace"]
    validate_variant_json(first, source="combined", kind="index")


@given(variant_sets(), st.data())
def test_combining_is_idempotent_and_associative(doc: dict[str, Any], data: st.DataObject) -> None:
    pieces = [*split(doc), ("all", doc)]
    cut = data.draw(st.integers(0, len(pieces)))
    left, right = pieces[:cut], pieces[cut:]
    whole = combine_variant_metadata(pieces)
    parts = [("L", combine_variant_metadata(left))] if left else []
    parts += [("R", combine_variant_metadata(right))] if right else []
    assert combine_variant_metadata(parts) == whole
    assert combine_variant_metadata([("x", whole), ("y", whole)]) == whole
