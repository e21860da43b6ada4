"""Differential tests against ``variantlib`` (the WheelNext library on PyPI).

variantlib reads and writes its own format (``$schema`` v0.2.0, with a
``providers`` table) and rejects PEP 825 files, so documents are translated.
Where the two disagree, PEP 825 decides; every disagreement is pinned here and
written up in ``docs/spec-notes/pep825-variantlib-differences.rst``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

import pytest
from _support.variants import PEP825_VARIANTS_JSON, S825, supported_sets, variant_sets
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.variants.combine import combine_variant_metadata
from wheelnext.variants.errors import InconsistentVariantMetadata, InvalidVariantProperty
from wheelnext.variants.ordering import order_variants
from wheelnext.variants.properties import parse_property
from wheelnext.variants.schema import variant_json_problems

variantlib = pytest.importorskip("variantlib")
from variantlib.errors import ValidationError  # noqa: E402
from variantlib.models.variant import VariantDescription  # noqa: E402
from variantlib.models.variant import VariantProperty as VLProperty  # noqa: E402
from variantlib.resolver.lib import sort_and_filter_supported_variants  # noqa: E402
from variantlib.variants_json import VariantsJson  # noqa: E402

VARIANTLIB_SCHEMA = "https://variants-schema.wheelnext.dev/v0.2.0.json"


@pytest.fixture(autouse=True)
def _quiet_variantlib() -> None:
    # variantlib logs a traceback for every failed validator.
    logging.getLogger("variantlib").setLevel(logging.CRITICAL)


def to_variantlib(doc: dict[str, Any]) -> dict[str, Any]:
    """PEP 825 -> variantlib: its schema URL, and one provider per namespace."""
    out = copy.deepcopy(doc)
    out["$schema"] = VARIANTLIB_SCHEMA
    out["providers"] = {
        ns: {"requires": [f"provider-{ns}"]} for ns in doc["default-priorities"]["namespace"]
    }
    return out


def from_variantlib(vj: Any) -> dict[str, Any]:
    """variantlib -> PEP 825: drop providers, restore the PEP 825 schema URL."""
    variants: dict[str, Any] = {}
    for label, desc in vj.variants.items():
        props: dict[str, dict[str, list[str]]] = {}
        for prop in desc.properties:
            props.setdefault(prop.namespace, {}).setdefault(prop.feature, []).append(prop.value)
        variants[label] = {ns: {f: sorted(v) for f, v in fs.items()} for ns, fs in props.items()}
    return {
        "$schema": S825,
        "default-priorities": {"namespace": list(vj.namespace_priorities)},
        "variants": variants,
    }


def no_empty_non_null(doc: dict[str, Any]) -> bool:
    """variantlib rejects non-null labels with zero properties (difference 3)."""
    return all(label == "null" or props for label, props in doc["variants"].items())


def variantlib_accepts(doc: dict[str, Any]) -> bool:
    try:
        VariantsJson(to_variantlib(doc))
    except (ValidationError, ValueError, TypeError):
        return False
    return True


def ours_accepts(doc: dict[str, Any]) -> bool:
    return not variant_json_problems(doc, source="x")[1]


# -- parsing ---------------------------------------------------------------

property_texts = st.one_of(
    st.text(alphabet="ab_1.: \tZ-\n", max_size=14),
    st.tuples(
        *[st.text(alphabet="ab1_.", min_size=0, max_size=3)] * 3,
        st.sampled_from(["::", " :: ", "\t::", ":"]),
    ).map(lambda t: f"{t[0]}{t[3]}{t[1]}{t[3]}{t[2]}"),
)


@given(property_texts)
def test_property_parsing_agrees(text: str) -> None:
    try:
        theirs: tuple[str, str, str] | None = tuple(
            getattr(VLProperty.from_str(text), a) for a in ("namespace", "feature", "value")
        )
    except (ValidationError, ValueError):
        theirs = None
    try:
        p = parse_property(text)
        ours: tuple[str, str, str] | None = (p.namespace, p.feature, p.value)
    except InvalidVariantProperty:
        ours = None
    assert ours == theirs


# -- validation ------------------------------------------------------------


@given(variant_sets().filter(no_empty_non_null))
def test_valid_documents_are_valid_for_both(doc: dict[str, Any]) -> None:
    assert ours_accepts(doc) and variantlib_accepts(doc)


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(doc: dict[str, Any]) -> None:
        *parents, last = path.split("/")
        for part in parents:
            doc = doc[part]
        if value is KeyError:
            del doc[last]
        else:
            doc[last] = value

    return apply


MKL = "variants/x86_64_v4_mkl/x86_64/level"
#: (mutation, ours accepts, variantlib accepts); the note numbers are in the spec note.
MUTATIONS = {
    "1 unsorted values": (_set(MKL, ["v4", "v3"]), False, True),
    "2 empty value list": (_set(MKL, []), False, True),
    "3 non-null label without properties": (_set("variants/empty", {}), True, False),
    "4 duplicate namespace in priorities": (
        _set("default-priorities/namespace", ["x86_64", "x86_64", "aarch64", "blas_lapack"]),
        False,
        True,
    ),
    "5 unknown top-level key": (_set("extra", 1), False, True),
    "6 no variants key": (_set("variants", KeyError), False, True),
    "agree: duplicate value": (_set(MKL, ["v4", "v4"]), False, False),
    "agree: namespace not listed": (
        _set("default-priorities/namespace", ["x86_64", "aarch64"]),
        False,
        False,
    ),
    "agree: null with properties": (
        _set("variants/null", {"x86_64": {"level": ["v1"]}}),
        False,
        False,
    ),
    "agree: trailing newline": (_set(MKL, ["v4\n"]), False, False),
    "agree: empty namespace list": (_set("default-priorities/namespace", []), False, False),
    "agree: upper-case label": (_set("variants/ABC", {"x86_64": {"level": ["v1"]}}), False, False),
    "agree: '.' in a feature name": (
        _set("variants/x86_64_v4_mkl/x86_64/le.vel", ["v4"]),
        False,
        False,
    ),
    "agree: empty namespace object": (_set("variants/x86_64_v4_mkl/aarch64", {}), True, True),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_validation_differences_are_the_documented_ones(name: str) -> None:
    mutate, ours, theirs = MUTATIONS[name]
    doc = copy.deepcopy(PEP825_VARIANTS_JSON)
    mutate(doc)
    assert (ours_accepts(doc), variantlib_accepts(doc)) == (ours, theirs)


def test_variantlib_rejects_pep825_files_untranslated() -> None:
    with pytest.raises(ValidationError):
        VariantsJson(copy.deepcopy(PEP825_VARIANTS_JSON))


# -- combining ---------------------------------------------------------------


@st.composite
def pieces(draw: st.DrawFn) -> list[dict[str, Any]]:
    doc = draw(variant_sets().filter(no_empty_non_null))
    full = doc["default-priorities"]["namespace"]
    out = []
    for label, props in doc["variants"].items():
        out.append({**copy.deepcopy(doc), "variants": {label: props}})
        needed = max((full.index(ns) + 1 for ns in props), default=1)
        out[-1]["default-priorities"]["namespace"] = full[: draw(st.integers(needed, len(full)))]
    if draw(st.booleans()) and out:  # an inconsistency, sometimes
        victim = draw(st.sampled_from(out))
        label = next(iter(victim["variants"]))
        extra = copy.deepcopy(victim)
        extra["variants"][label] = {full[0]: {"zz": ["9"]}}
        out.append(extra)
    if draw(st.booleans()):
        out.append({**copy.deepcopy(doc), "variants": {}})
        out[-1]["default-priorities"]["namespace"] = list(reversed(full))
    return out


def _variantlib_combine(docs: list[dict[str, Any]]) -> dict[str, Any] | None:
    try:
        first = VariantsJson(to_variantlib(docs[0]))
        for doc in docs[1:]:
            first.merge(VariantsJson(to_variantlib(doc)))
    except ValidationError:
        return None
    return from_variantlib(first)


@given(pieces())
def test_combining_agrees(docs: list[dict[str, Any]]) -> None:
    if not docs:
        return
    try:
        ours: dict[str, Any] | None = combine_variant_metadata(
            (f"w{i}", d) for i, d in enumerate(docs)
        )
    except InconsistentVariantMetadata:
        ours = None
    theirs = _variantlib_combine(docs)
    if ours is None or theirs is None:
        assert ours is None and theirs is None
    else:
        assert ours["variants"] == theirs["variants"]
        assert ours["default-priorities"] == theirs["default-priorities"]


# -- ordering ----------------------------------------------------------------


def _variantlib_order(doc: dict[str, Any], supported: dict[str, dict[str, list[str]]]) -> list[str]:
    descs = [
        VariantDescription(
            [VLProperty(ns, f, v) for ns, fs in props.items() for f, vs in fs.items() for v in vs],
            label,
        )
        for label, props in doc["variants"].items()
    ]
    namespaces = doc["default-priorities"]["namespace"]
    # variantlib wants every supported namespace in the priority list.
    flat = [
        VLProperty(ns, f, v)
        for ns, fs in supported.items()
        if ns in namespaces
        for f, vs in fs.items()
        for v in vs
    ]
    ranked = sort_and_filter_supported_variants(descs, flat, list(namespaces))
    labels = [d.label for d in ranked]
    # variantlib always adds a null variant (difference 7).
    return labels if "null" in doc["variants"] else [label for label in labels if label != "null"]


@given(variant_sets(max_labels=8).filter(no_empty_non_null), supported_sets())
def test_ordering_agrees(doc: dict[str, Any], supported: dict[str, dict[str, list[str]]]) -> None:
    assert order_variants(doc, supported).labels == _variantlib_order(doc, supported)


def test_variantlib_adds_a_null_variant_that_is_not_there() -> None:
    doc = {
        **PEP825_VARIANTS_JSON,
        "variants": {k: v for k, v in PEP825_VARIANTS_JSON["variants"].items() if k != "null"},
    }
    descs = [VariantDescription([VLProperty("x86_64", "level", "v3")], "v3")]
    labels = [d.label for d in sort_and_filter_supported_variants(descs, [], ["x86_64"])]
    assert labels == ["null"]
    assert order_variants(doc, {}).labels == []
