"""Schema choice, versions and validation (PEP 825 "Variant metadata", PEP 817 appendix)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _support.variants import (
    PEP817_VARIANT_JSON,
    PEP817_VARIANTS_JSON,
    PEP825_VARIANT_JSON,
    PEP825_VARIANTS_JSON,
    S817,
    S825,
    variant_sets,
)
from hypothesis import given
from hypothesis import strategies as st

from wheelnext.variants.errors import InvalidVariantMetadata, UnsupportedVariantSchema
from wheelnext.variants.models import VariantMetadata
from wheelnext.variants.pyproject import read_variant_table, variant_table_problems
from wheelnext.variants.schema import (
    choose_schema,
    validate_variant_json,
    variant_json_problems,
)


@pytest.mark.parametrize(
    ("doc", "kind", "fmt"),
    [
        (PEP825_VARIANT_JSON, "wheel", "pep825"),
        (PEP825_VARIANTS_JSON, "index", "pep825"),
        (PEP817_VARIANT_JSON, "wheel", "pep817"),
        (PEP817_VARIANTS_JSON, "index", "pep817"),
    ],
)
def test_pep_examples_are_valid(doc: dict[str, Any], kind: Any, fmt: str) -> None:
    assert validate_variant_json(doc, source="example", kind=kind).format == fmt
    model = VariantMetadata.from_json(doc, source="example", kind=kind)
    assert model.format == fmt
    assert VariantMetadata.from_json(model.to_json(), source="again").to_json() == model.to_json()


def test_pep817_models_carry_the_extra_keys() -> None:
    model = VariantMetadata.from_json(PEP817_VARIANTS_JSON, source="x")
    assert model.providers["blas_lapack"].install_time is False
    assert model.static_properties == {
        "blas_lapack": {"provider": ["accelerate", "openblas", "mkl"]}
    }
    assert model.property_priorities == {"x86_64": {"level": ["v3", "v2", "v1"]}}


def _with(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = path.split("/")
    target = doc
    for part in parents:
        target = target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "needle"),
    [
        ("$schema", KeyError, "$schema"),
        ("default-priorities/namespace", [], "default-priorities/namespace"),
        ("default-priorities/namespace", ["x86_64", "x86_64"], "default-priorities/namespace"),
        ("default-priorities/namespace", ["x86_64"], "blas_lapack"),
        ("variants/null", {"x86_64": {"level": ["v1"]}}, "null"),
        ("variants/UPPER", {}, "UPPER"),
        ("variants/x86_64_v4_mkl/x86_64/level", [], "x86_64_v4_mkl/x86_64/level"),
        ("variants/x86_64_v4_mkl/x86_64/level", ["v4", "v3"], "sorted"),
        ("variants/x86_64_v4_mkl/x86_64/level", ["v4", "v4"], "x86_64_v4_mkl/x86_64/level"),
        ("extra", 1, "extra"),
    ],
)
def test_invalid_documents_name_the_field(path: str, value: Any, needle: str) -> None:
    doc = _with(PEP825_VARIANTS_JSON, path, value)
    with pytest.raises(InvalidVariantMetadata) as info:
        validate_variant_json(doc, source="foo-1.2.3-variants.json")
    message = str(info.value)
    assert message.startswith("foo-1.2.3-variants.json: ") and needle in message
    assert "\n" not in message


def test_variant_json_has_exactly_one_entry() -> None:
    with pytest.raises(InvalidVariantMetadata, match="exactly one entry"):
        validate_variant_json(PEP825_VARIANTS_JSON, source="variant.json", kind="wheel")


@pytest.mark.parametrize(
    ("version", "accepted"),
    [("0.1.1", True), ("0.1.2", False), ("0.2.0", False), ("0.1.0", False), ("1.0.0", False)],
)
def test_draft_versions_need_an_exact_match(version: str, accepted: bool) -> None:
    url = S825.replace("0.1.1", version)
    if accepted:
        assert choose_schema(url, source="x").version == (0, 1, 1)
    else:
        with pytest.raises(UnsupportedVariantSchema, match=version.replace(".", r"\.")):
            choose_schema(url, source="x")


def test_major_and_minor_rules_for_released_versions() -> None:
    # PEP 825: reject an unsupported major; consumers accept a newer minor.
    supported = {(1, 0, 0): "x", (1, 2, 0): "y"}
    url = "https://packaging.python.org/peps/825/v{}.json"
    newer = choose_schema(url.format("1.5.3"), source="x", pep825_supported=supported)
    assert newer.newer_minor and newer.schema_version == (1, 2, 0)
    same = choose_schema(url.format("1.2.4"), source="x", pep825_supported=supported)
    assert not same.newer_minor and same.schema_version == (1, 2, 0)
    with pytest.raises(UnsupportedVariantSchema, match="major version 2"):
        choose_schema(url.format("2.0.0"), source="x", pep825_supported=supported)
    with pytest.raises(UnsupportedVariantSchema):
        choose_schema(url.format("1.1.0"), source="x", pep825_supported=supported)


@pytest.mark.parametrize("url", [None, 3, "https://example.com/schema.json", S817 + "x"])
def test_unknown_schemas_are_rejected(url: Any) -> None:
    with pytest.raises(InvalidVariantMetadata, match=r"\$schema"):
        choose_schema(url, source="x")


@given(variant_sets())
def test_generated_documents_are_valid_and_survive_the_model(doc: dict[str, Any]) -> None:
    validate_variant_json(doc, source="gen")
    model = VariantMetadata.from_json(doc, source="gen")
    assert model.to_json()["variants"] == doc["variants"]


@given(variant_sets(), st.sampled_from(["a", "b", "c", "d"]))
def test_every_used_namespace_must_be_listed(doc: dict[str, Any], dropped: str) -> None:
    used = {ns for props in doc["variants"].values() for ns in props}
    doc["default-priorities"]["namespace"] = [
        ns for ns in doc["default-priorities"]["namespace"] if ns != dropped
    ] or ["zzz"]
    _, problems = variant_json_problems(doc, source="gen")
    assert any(dropped in p for p in problems) == (dropped in used)


def test_pep817_semantic_rules() -> None:
    doc = _with(PEP817_VARIANTS_JSON, "providers/x86_64/requires", [])
    assert any("install-time provider" in p for p in variant_json_problems(doc, source="x")[1])
    doc = _with(PEP817_VARIANTS_JSON, "static-properties", {})
    assert any("ahead-of-time" in p for p in variant_json_problems(doc, source="x")[1])
    doc = _with(PEP817_VARIANTS_JSON, "default-priorities/namespace", ["x86_64", "aarch64"])
    assert any("same members as providers" in p for p in variant_json_problems(doc, source="x")[1])
    # PEP 817 bounds labels at 16 characters.
    doc = _with(PEP817_VARIANTS_JSON, "variants/a_label_of_seventeen", {})
    assert variant_json_problems(doc, source="x")[1]


PYPROJECT_EXAMPLE = """
[variant.default-priorities]
namespace = ["x86_64", "aarch64", "blas_lapack"]
feature.aarch64 = ["version"]
feature.x86_64 = ["level"]
property.x86_64.level = ["v3", "v2", "v1"]

[variant.providers.aarch64]
requires = [
   "provider-variant-aarch64 >=0.0.1; python_version >= '3.12'",
   "legacy-provider-variant-aarch64 >=0.0.1; python_version < '3.12'",
]
enable-if = "platform_machine == 'aarch64' or 'arm' in platform_machine"
plugin-api = "provider_variant_aarch64.plugin:AArch64Plugin"

[variant.providers.x86_64]
requires = ["provider-variant-x86-64 >=0.0.1"]
enable-if = "platform_machine == 'x86_64' or platform_machine == 'AMD64'"
plugin-api = "provider_variant_x86_64.plugin:X8664Plugin"

[variant.providers.blas_lapack]
requires = ["blas-lapack-variant-provider"]
install-time = false
"""


def test_pep817_pyproject_example(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT_EXAMPLE)
    model = read_variant_table(path)
    assert model is not None and model.namespaces == ("x86_64", "aarch64", "blas_lapack")
    assert model.feature_priorities == {"aarch64": ["version"], "x86_64": ["level"]}
    (tmp_path / "empty.toml").write_text("[project]\nname = 'x'\n")
    assert read_variant_table(tmp_path / "empty.toml") is None


def test_pyproject_rules() -> None:
    import tomllib

    table = tomllib.loads(PYPROJECT_EXAMPLE)["variant"]
    assert variant_table_problems(table) == []
    assert variant_table_problems({**table, "variants": {}})[0].startswith("variant.variants")
    no_plugin = copy.deepcopy(table)
    no_plugin["providers"]["blas_lapack"] = {"install-time": False}
    assert any("static-properties.blas_lapack" in p for p in variant_table_problems(no_plugin))
    no_plugin["static-properties"] = {"blas_lapack": {"provider": ["openblas"]}}
    assert variant_table_problems(no_plugin) == []


def test_selection_path_does_not_import_jsonschema() -> None:
    code = (
        "import sys, wheelnext.variants.select, wheelnext.variants.markers;"
        "print(sorted(m for m in ('jsonschema', 'click', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.replace("'", '"')) == []


@given(st.tuples(st.integers(0, 3), st.integers(0, 5), st.integers(0, 5)))
def test_only_the_known_draft_is_accepted(version: tuple[int, int, int]) -> None:
    # PEP 825: no compatibility assumptions over 0.x; unsupported majors rejected.
    url = S825.replace("0.1.1", ".".join(map(str, version)))
    if version == (0, 1, 1):
        assert choose_schema(url, source="x").format == "pep825"
    else:
        with pytest.raises(UnsupportedVariantSchema):
            choose_schema(url, source="x")


@pytest.mark.parametrize(
    ("filename", "label"),
    [
        # PEP 825 "Variant label" examples (PEP 817 "Extended wheel filename" has the first two).
        ("numpy-2.3.2-cp313-cp313t-musllinux_1_2_x86_64.whl", None),
        ("numpy-2.3.2-cp313-cp313t-musllinux_1_2_x86_64-x86_64_v3.whl", "x86_64_v3"),
        ("numpy-2.3.2-cp313-cp313t-musllinux_1_2_x86_64-null.whl", "null"),
    ],
)
def test_pep_filename_examples(filename: str, label: str | None) -> None:
    from wheelnext.filenames import parse_wheel_name

    assert parse_wheel_name(filename).variant_label == label


def test_pep817_static_features_need_an_order() -> None:
    """PEP 817 "Static properties": "If more than one feature is specified for a namespace,
    then the order for all features MUST be specified in
    ``default-priorities.feature.{namespace}``"."""
    two = {"provider": ["mkl"], "threads": ["omp"]}
    doc = _with(PEP817_VARIANTS_JSON, "static-properties/blas_lapack", two)
    problems = variant_json_problems(doc, source="x")[1]
    assert any("default-priorities/feature/blas_lapack" in p for p in problems)
    doc = _with(doc, "default-priorities/feature/blas_lapack", ["threads", "provider"])
    problems = variant_json_problems(doc, source="x")[1]
    assert not any("default-priorities/feature" in p for p in problems)
