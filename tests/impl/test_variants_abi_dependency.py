"""PEP 817 "ABI Dependency Variant Namespace (Optional)": matching, the format rules, and the
reference installer's use of the target environment's installed versions."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from _support.variants import PEP817_VARIANTS_JSON
from packaging.version import Version

from wheelnext.index_priority import Index, IndexPlan
from wheelnext.install.candidates import Candidates
from wheelnext.install.target import Installed, TargetPython, probe
from wheelnext.variants.abi_dependency import NAMESPACE, matches, supported, value_problem
from wheelnext.variants.ordering import order_variants
from wheelnext.variants.schema import variant_json_problems


@pytest.mark.parametrize(("value", "installed", "expected"), [
    ("2", "2.9.1", True), ("2", "3.0", False),          # torch==2.*
    ("2.9", "2.9.0", True), ("2.9", "2.10", False),     # torch==2.9.*
    ("2.8.0", "2.8.0", True), ("2.8.0", "2.8.1", False),  # torch==2.8.0.*
    ("2.0", "2", True), ("2.0", "2.1", False),          # "2.0 matches release 2 but not 2.1"
    ("2.9", "2.9.0rc1", True),                          # an installed pre-release still matches
    ("2", "1!2.0", False),                              # "nonzero epoch are not supported"
    ("2.8.0.1", "2.8.0.1", False),                      # "up to three version components"
])
def test_matching_follows_the_table(value: str, installed: str, expected: bool) -> None:
    """PEP 817: values "are matched against the installed version same as the
    ``=={value}.*`` specifier. Notably, trailing zeroes match versions with fewer components
    (e.g. ``2.0`` matches release ``2`` but not ``2.1``)"."""
    assert matches(value, Version(installed)) is expected


def test_names_and_values_follow_the_rules() -> None:
    """"the feature name MUST be the normalized name of the dependency, whereas the value MUST
    be a valid release segment [...] It MUST contain up to three version components"."""
    assert value_problem("torch", "2.8.0") is None
    assert value_problem("scikit_learn", "1") is None
    assert value_problem("Torch", "2") is not None
    assert value_problem("foo__bar", "2") is not None
    for bad in ("2.8.0.1", "02", "2.x", "1!2", "2.0rc1", ""):
        assert value_problem("torch", bad) is not None, bad


def _pep817_doc(providers_abi: bool = False) -> dict[str, Any]:
    doc = copy.deepcopy(PEP817_VARIANTS_JSON)
    doc["variants"]["x8664v3_openblas"][NAMESPACE] = {"torch": ["2.8"]}
    if providers_abi:
        doc["providers"][NAMESPACE] = {"requires": ["x"], "plugin-api": "x:Y"}
        doc["default-priorities"]["namespace"].append(NAMESPACE)
    return doc


def test_the_namespace_is_reserved_in_pep817_metadata() -> None:
    """"This namespace MUST NOT be used by any variant provider plugin, it MUST NOT be listed
    in ``providers`` metadata, and can only appear in a built wheel variant property"."""
    assert variant_json_problems(_pep817_doc(), source="x")[1] == []
    problems = variant_json_problems(_pep817_doc(providers_abi=True), source="x")[1]
    assert any("providers/abi_dependency" in p and "reserved" in p for p in problems)
    bad = _pep817_doc()
    bad["variants"]["x8664v3_openblas"][NAMESPACE] = {"torch": ["2.8.0.1"]}
    problems = variant_json_problems(bad, source="x")[1]
    assert any("three version components" in p for p in problems)


DOC = {
    "default-priorities": {"namespace": ["ns"]},
    "variants": {
        "a29": {NAMESPACE: {"torch": ["2.9"]}},
        "b28": {NAMESPACE: {"torch": ["2.8"]}},
        "fast": {"ns": {"f": ["on"]}},
        "both": {"ns": {"f": ["on"]}, NAMESPACE: {"torch": ["2", "2.8.0"]}},
    },
}


def test_a_tool_without_the_namespace_finds_the_variants_incompatible() -> None:
    """"Tools that do not implement this feature MUST treat the variants using it as
    incompatible": without supported values for the namespace those variants are rejected;
    with them, they rank after the listed namespaces' properties."""
    without = order_variants(DOC, {"ns": {"f": ["on"]}})
    assert without.labels == ["fast"]
    assert set(without.rejected) == {"a29", "b28", "both"}
    abi = supported(DOC["variants"], {"torch": Version("2.8.0")})
    assert abi == {"torch": ["2.8.0", "2.8", "2"]}
    with_abi = order_variants(DOC, {"ns": {"f": ["on"]}, NAMESPACE: abi})
    assert with_abi.labels == ["both", "fast", "b28"]
    assert "a29" in with_abi.rejected


def test_installed_versions_decide_in_the_installer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reference installer matches against the TARGET environment's installed version,
    alongside the user's (or the providers') properties."""
    dist = Installed("torch", "2.8.1", Path("/nowhere"), "pip")  # type: ignore[arg-type]
    monkeypatch.setattr(TargetPython, "installed", lambda self: {"torch": dist})
    candidates = Candidates(None, IndexPlan((Index("i", "http://i/"),)), probe())  # type: ignore[arg-type]
    found = candidates.supported_for(DOC)
    assert found[NAMESPACE] == {"torch": ["2.8", "2"]}
    monkeypatch.setattr(TargetPython, "installed", lambda self: {})
    assert NAMESPACE not in Candidates(
        None, IndexPlan((Index("i", "http://i/"),)), probe()).supported_for(DOC)  # type: ignore[arg-type]
