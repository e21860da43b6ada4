"""The ``[variant]`` table of ``pyproject.toml`` (PEP 817, draft; PEP 825 leaves it to a later PEP).

PEP 817 "pyproject.toml: variant project-level data table": "The variant
metadata MUST be rooted at a top-level table named ``variant``. It MUST NOT
specify the ``variants`` dictionary." Its keys are those of PEP 817's variant
metadata without ``$schema`` and ``variants``; the table is validated against
PEP 817's schema plus the text's rules for this location.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from wheelnext.variants.errors import InvalidVariantMetadata
from wheelnext.variants.models import VariantMetadata
from wheelnext.variants.schema import PEP817_SCHEMA_URL, _schema_problems, load_schema


def variant_table_problems(table: Mapping[str, Any]) -> list[str]:
    """Every problem of a ``[variant]`` table, as ``variant.field: message`` strings."""
    if "variants" in table:
        return ["variant.variants: pyproject.toml MUST NOT specify the variants dictionary"]
    doc = {"$schema": PEP817_SCHEMA_URL, **table, "variants": {}}
    problems = _schema_problems(doc, load_schema("pep817", (0, 0, 3)))
    if problems:
        return [f"variant.{problem}" for problem in problems]
    providers: Mapping[str, Any] = table.get("providers", {})
    static: Mapping[str, Any] = table.get("static-properties", {})
    namespaces = table["default-priorities"]["namespace"]
    if set(namespaces) != set(providers):
        problems.append(
            "variant.default-priorities.namespace: must have the same members as"
            f" variant.providers ({sorted(namespaces)} vs {sorted(providers)})"
        )
    for namespace, info in providers.items():
        install_time = info.get("install-time", True)
        if install_time and not info.get("requires"):
            problems.append(
                f"variant.providers.{namespace}: an install-time provider must list at least"
                " one requirement"
            )
        # PEP 817 "Static properties": "In pyproject.toml file, the namespaces
        # present in this dictionary MUST correspond to all AoT providers
        # without a plugin".
        without_plugin = not install_time and not info.get("requires")
        if without_plugin != (namespace in static):
            problems.append(
                f"variant.static-properties.{namespace}: must be present exactly for"
                " ahead-of-time providers without a plugin"
            )
    for namespace in static:
        if namespace not in providers:
            problems.append(f"variant.static-properties.{namespace}: no such provider")
    feature_order = table["default-priorities"].get("feature", {})
    for namespace, features in static.items():
        if len(features) > 1 and not set(features) <= set(feature_order.get(namespace, [])):
            problems.append(
                f"variant.default-priorities.feature.{namespace}: must order every feature of"
                f" variant.static-properties.{namespace}"
            )
    return problems


def read_variant_table(path: Path) -> VariantMetadata | None:
    """The validated ``[variant]`` table of *path*, or None when there is none."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidVariantMetadata(f"{path}: cannot read TOML: {exc}") from None
    table = data.get("variant")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise InvalidVariantMetadata(f"{path}: variant: must be a table")
    problems = variant_table_problems(table)
    if problems:
        raise InvalidVariantMetadata(f"{path}: {problems[0]}")
    return VariantMetadata.from_json(
        {"$schema": PEP817_SCHEMA_URL, **table, "variants": {}}, source=str(path), kind="pyproject"
    )
