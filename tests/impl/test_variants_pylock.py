"""pylock.toml [packages.variants-json] (PEP 825 "Integration with pylock.toml")."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from _support.variants import PEP825_VARIANTS_JSON, variant_sets
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.variants.errors import InvalidVariantMetadata
from wheelnext.variants.pylock import (
    VariantsJsonReference,
    format_variants_json,
    read_variants_json,
    variants_json_for_lock,
)

PEP825_LOCK = """
lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.14"

# Wheel URLs shortened from PEP 825's example (one line each there).
[[packages]]
name = "numpy"
version = "2.3.4"
index = "https://pypi.anaconda.org/mgorny/simple"
wheels = [
    { url = "https://e/numpy-2.3.4-cp314-cp314-linux_x86_64-openblas.whl", hashes = {} },
]

[packages.variants-json]
"$schema" = "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json"

[packages.variants-json.default-priorities]
namespace = [ "x86_64", "aarch64", "blas_lapack" ]

[packages.variants-json.variants]
null = { }
x86_64_v3_openblas = { "blas_lapack" = { "library" = ["openblas"]}, "x86_64" = { "level" = ["v3"]} }
x86_64_v4_mkl = { "blas_lapack" = { "library" = ["mkl"]}, "x86_64" = { "level" = ["v4"]}  }
"""


def test_pep825_example_reads() -> None:
    package = tomllib.loads(PEP825_LOCK)["packages"][0]
    assert read_variants_json(package) == PEP825_VARIANTS_JSON
    assert read_variants_json({"name": "x"}) is None


def test_pep817_reference_form() -> None:
    got = read_variants_json(
        {
            "name": "x",
            "variants-json": {"url": "https://e/x-1-variants.json", "hashes": {"sha256": "ab"}},
        }
    )
    assert got == VariantsJsonReference("https://e/x-1-variants.json", None, {"sha256": "ab"})


def test_invalid_table_is_rejected_with_its_location() -> None:
    bad = {
        "name": "numpy",
        "variants-json": {"$schema": PEP825_VARIANTS_JSON["$schema"], "variants": {}},
    }
    with pytest.raises(InvalidVariantMetadata, match=r"packages\[numpy\]\.variants-json"):
        read_variants_json(bad)


def test_write_round_trips_through_toml() -> None:
    text = format_variants_json(PEP825_VARIANTS_JSON)
    package = tomllib.loads(text)["packages"]
    assert package["variants-json"] == PEP825_VARIANTS_JSON


def test_pruning_keeps_listed_labels_in_full() -> None:
    pruned = variants_json_for_lock(
        PEP825_VARIANTS_JSON, ["numpy-1-cp3-none-any-x86_64_v4_mkl.whl", "numpy-1-cp3-none-any.whl"]
    )
    assert pruned["variants"] == {
        "x86_64_v4_mkl": PEP825_VARIANTS_JSON["variants"]["x86_64_v4_mkl"]
    }
    assert pruned["default-priorities"]["namespace"] == ["x86_64", "blas_lapack"]
    only_null = variants_json_for_lock(PEP825_VARIANTS_JSON, ["numpy-1-cp3-none-any-null.whl"])
    assert (
        only_null["default-priorities"]["namespace"]
        == PEP825_VARIANTS_JSON["default-priorities"]["namespace"]
    )
    assert variants_json_for_lock(PEP825_VARIANTS_JSON) == PEP825_VARIANTS_JSON


@given(variant_sets(), st.data())
def test_pruned_tables_stay_valid_and_keep_listed_labels(doc: Any, data: st.DataObject) -> None:
    labels = data.draw(st.lists(st.sampled_from(sorted(doc["variants"]) or ["null"]), unique=True))
    wheels = [f"foo-1-py3-none-any-{label}.whl" for label in labels] + ["foo-1-py3-none-any.whl"]
    pruned = variants_json_for_lock(doc, wheels)
    assert pruned["variants"] == {k: v for k, v in doc["variants"].items() if k in labels}
    read_variants_json({"name": "foo", "variants-json": pruned})
    assert tomllib.loads(format_variants_json(pruned))["packages"]["variants-json"] == pruned
