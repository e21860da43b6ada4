"""Validation of variant metadata: ``$schema`` versions, JSON schemas and semantic rules.

The format is picked by ``$schema``: the PEP 825 format (schema 0.1.1, URL
under ``/peps/825/``) or the PEP 817 format (the ``v0.0.3`` URL of PEP 817's
examples). Versions follow PEP 825 "Variant metadata":

- "The numbers starting with zero are reserved for drafts [...] Tools MUST
  NOT make any compatibility assumptions over these versions." So a ``0.x``
  version is accepted only if it is one we know exactly: ``0.1.2`` and
  ``0.2.0`` are rejected, not validated as if they were ``0.1.1``.
- "Tools MUST reject metadata with a major version number that they do not
  support."
- "Installers and other tools that only consume variant metadata SHOULD
  accept metadata with a newer minor version number than the latest
  supported, provided that the major version is supported." Such metadata
  is validated against the latest supported schema of that major version,
  with keys unknown to it left out (see ``docs/spec-notes/pep825-schema-versions.rst``).

``jsonschema`` is imported inside the functions that need it, so that the
selection path, which never validates, does not pay for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from wheelnext.filenames import NULL_LABEL
from wheelnext.variants.errors import InvalidVariantMetadata, UnsupportedVariantSchema

Format = Literal["pep825", "pep817"]
Version = tuple[int, int, int]

#: The ``$schema`` URL of PEP 825's examples and appendix (``$id`` of the schema).
PEP825_SCHEMA_URL = "https://variants-schema.wheelnext.dev/peps/825/v0.1.1.json"
#: The ``$schema`` URL of PEP 817's ``variant.json`` and ``*-variants.json`` examples.
PEP817_SCHEMA_URL = "https://variants-schema.wheelnext.dev/v0.0.3.json"

_PEP825_URL_RE = re.compile(r"^https://[^\s]+/peps/825/v(\d+)\.(\d+)\.(\d+)\.json$")
_PEP817_URL_RE = re.compile(r"^https://variants-schema\.wheelnext\.dev/v(\d+)\.(\d+)\.(\d+)\.json$")

#: PEP 825 format versions this implementation supports, with their schema files.
PEP825_SCHEMAS: dict[Version, str] = {(0, 1, 1): "pep-0825-variant-schema-0.1.1.json"}
#: PEP 817 format versions this implementation supports, with their schema files.
PEP817_SCHEMAS: dict[Version, str] = {(0, 0, 3): "pep-0817-variant-schema.json"}

Kind = Literal["wheel", "index", "lock", "pyproject", "any"]


@dataclass(frozen=True)
class SchemaChoice:
    """What a ``$schema`` URL resolved to: the format, its version and the schema to use."""

    format: Format
    version: Version
    schema_version: Version
    newer_minor: bool

    @property
    def version_text(self) -> str:
        return ".".join(map(str, self.version))


def choose_schema(
    url: object,
    *,
    source: str,
    pep825_supported: Mapping[Version, str] = PEP825_SCHEMAS,
    pep817_supported: Mapping[Version, str] = PEP817_SCHEMAS,
) -> SchemaChoice:
    """Resolve a ``$schema`` value to a supported format version, or raise.

    *pep825_supported* exists so that the future-major rules can be tested
    before a 1.0.0 schema exists.
    """
    if not isinstance(url, str):
        raise InvalidVariantMetadata(f"{source}: $schema: missing or not a string")
    if match := _PEP825_URL_RE.match(url):
        fmt: Format = "pep825"
        supported = pep825_supported
    elif match := _PEP817_URL_RE.match(url):
        fmt = "pep817"
        supported = pep817_supported
    else:
        raise UnsupportedVariantSchema(
            f"{source}: $schema {url!r} is not a known variant metadata schema URL"
        )
    version: Version = (int(match[1]), int(match[2]), int(match[3]))
    text = ".".join(map(str, version))
    if version in supported:
        return SchemaChoice(fmt, version, version, False)
    major, minor, _ = version
    if major == 0:
        raise UnsupportedVariantSchema(
            f"{source}: $schema version {text} is an unsupported draft (0.x) version;"
            " PEP 825 forbids compatibility assumptions across draft versions"
        )
    same_major = sorted(v for v in supported if v[0] == major)
    if not same_major:
        raise UnsupportedVariantSchema(
            f"{source}: $schema major version {major} ({text}) is not supported"
        )
    latest = same_major[-1]
    if (minor, version[2]) < latest[1:]:
        raise UnsupportedVariantSchema(f"{source}: $schema version {text} is not supported")
    return SchemaChoice(fmt, version, latest, minor > latest[1])


@cache
def load_schema(fmt: Format, version: Version) -> dict[str, Any]:
    """The JSON schema for a supported format version, as shipped from the PEP appendix."""
    table = PEP825_SCHEMAS if fmt == "pep825" else PEP817_SCHEMAS
    text = resources.files("wheelnext.variants.schemas").joinpath(table[version]).read_text()
    schema: dict[str, Any] = json.loads(text)
    if fmt == "pep817":
        # PEP 817 "Provider information" defines ``install-time`` but its appendix
        # schema lists ``plugin-use`` instead and forbids other keys, so its own
        # variant.json example would fail; we add ``install-time`` (spec note
        # pep817-schema-install-time).
        provider = schema["properties"]["providers"]["patternProperties"]["^[A-Za-z0-9_]+$"]
        provider["properties"]["install-time"] = {"type": "boolean"}
        # The appendix requires ``requires`` always, the text only for install-time
        # providers; the semantic check below enforces the text's rule.
        provider.pop("required", None)
        schema["properties"]["$schema"] = {"type": "string"}
        schema["properties"]["static-properties"] = {
            "type": "object",
            "patternProperties": {
                "^[a-z0-9_]+$": {
                    "type": "object",
                    "patternProperties": {
                        "^[a-z0-9_]+$": {
                            "type": "array",
                            "items": {"type": "string", "pattern": "^[a-z0-9_.]+$"},
                            "uniqueItems": True,
                        }
                    },
                    "additionalProperties": False,
                }
            },
            "additionalProperties": False,
        }
    return schema


def _known_keys_only(doc: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """Drop top-level keys a newer minor version may have added (minor tolerance)."""
    known = schema.get("properties", {})
    return {key: value for key, value in doc.items() if key in known}


def _schema_problems(doc: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    import jsonschema  # lazily: the selection path never validates

    validator = jsonschema.Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.path))):
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        problems.append(f"{where}: {error.message}")
    return problems


def _property_count(props: object) -> int:
    if not isinstance(props, Mapping):
        return 0
    return sum(
        len(values)
        for features in props.values()
        if isinstance(features, Mapping)
        for values in features.values()
        if isinstance(values, list)
    )


def _used_namespaces(variants: Mapping[str, Any]) -> list[str]:
    """Namespaces that at least one property uses (an empty namespace object uses none)."""
    seen: dict[str, None] = {}
    for props in variants.values():
        if isinstance(props, Mapping):
            seen.update(dict.fromkeys(ns for ns in props if _property_count({ns: props[ns]})))
    return list(seen)


_NAME_RE = re.compile(r"[a-z0-9_]+")
_VALUE_RE = re.compile(r"[a-z0-9_.]+")


def _trailing_newline_problems(doc: Mapping[str, Any]) -> list[str]:
    """Names that pass the schema only because Python's ``$`` matches before a final newline.

    ``jsonschema`` applies ``pattern`` with :func:`re.search`, where ``^v3$``
    accepts ``"v3\n"``; JSON Schema means ECMA-262 regexes, where it does not.
    """
    problems = []
    variants = doc.get("variants", {})
    for namespace in doc.get("default-priorities", {}).get("namespace", []):
        if not _NAME_RE.fullmatch(namespace):
            problems.append(f"default-priorities/namespace: {namespace!r} is not a valid namespace")
    for label, props in variants.items():
        if not _VALUE_RE.fullmatch(label):
            problems.append(f"variants: {label!r} is not a valid variant label")
        for namespace, features in props.items():
            for feature, values in features.items():
                where = f"variants/{label}/{namespace}/{feature}"
                bad = [n for n in (namespace, feature) if not _NAME_RE.fullmatch(n)]
                bad += [v for v in values if not _VALUE_RE.fullmatch(v)]
                problems.extend(
                    f"{where}: {item!r} does not match the PEP's pattern" for item in bad
                )
    return problems


def _semantic_problems(
    doc: Mapping[str, Any], choice: SchemaChoice, kind: Kind, strict: bool
) -> list[str]:
    """The rules of the PEP text that the JSON schema cannot express."""
    problems: list[str] = _trailing_newline_problems(doc)
    variants: Mapping[str, Any] = doc.get("variants", {})
    priorities: Mapping[str, Any] = doc.get("default-priorities", {})
    namespaces: list[str] = list(priorities.get("namespace", []))
    if kind == "wheel" and len(variants) != 1:
        # PEP 825 "Variants": "In an individual variant wheel [...] it MUST contain
        # exactly one entry".
        problems.append(
            f"variants: a variant.json must have exactly one entry, not {len(variants)}"
        )
    for label, props in variants.items():
        if label == NULL_LABEL and _property_count(props):
            # PEP 825 "Variant label": "The label null is reserved and always
            # corresponds to the variant with zero properties".
            problems.append("variants/null: the null variant must have zero properties")
        if strict and isinstance(props, Mapping):
            for namespace, features in props.items():
                if not isinstance(features, Mapping):
                    continue
                for feature, values in features.items():
                    # PEP 825 "Variants": "sets of feature values, converted to
                    # lists and sorted lexically".
                    if isinstance(values, list) and values != sorted(values):
                        problems.append(
                            f"variants/{label}/{namespace}/{feature}: values must be sorted"
                            f" lexically, got {values}"
                        )
    # PEP 825 "Default priorities": "This list MUST contain all namespaces used
    # in variant properties".
    missing = [ns for ns in _used_namespaces(variants) if ns not in namespaces]
    if choice.format == "pep817":
        # PEP 817 "ABI Dependency Variant Namespace": it "MUST NOT be listed in
        # ``providers`` metadata", whose keys the namespace list must equal.
        from wheelnext.variants import abi_dependency

        missing = [ns for ns in missing if ns != abi_dependency.NAMESPACE]
    if missing:
        problems.append(
            f"default-priorities/namespace: does not list namespace(s) {', '.join(missing)}"
            " used in variants"
        )
    if choice.format == "pep817":
        problems.extend(_pep817_problems(doc, namespaces, kind))
    return problems


def _pep817_problems(doc: Mapping[str, Any], namespaces: list[str], kind: Kind) -> list[str]:
    problems: list[str] = []
    providers: Mapping[str, Any] = doc.get("providers", {})
    static: Mapping[str, Any] = doc.get("static-properties", {})
    priorities: Mapping[str, Any] = doc.get("default-priorities", {})
    # PEP 817 "Default priorities": namespace "MUST have the same members as the
    # keys of the providers dictionary".
    if set(namespaces) != set(providers):
        problems.append(
            "default-priorities/namespace: must have the same members as providers"
            f" ({sorted(namespaces)} vs {sorted(providers)})"
        )
    from wheelnext.variants import abi_dependency

    if abi_dependency.NAMESPACE in providers:
        problems.append(f"providers/{abi_dependency.NAMESPACE}: the namespace is reserved "
                        "and MUST NOT be listed in providers (PEP 817)")
    for label, props in (doc.get("variants") or {}).items():
        features = props.get(abi_dependency.NAMESPACE) if isinstance(props, Mapping) else None
        for feature, values in (features or {}).items():
            for value in values if isinstance(values, list) else []:
                problem = abi_dependency.value_problem(feature, str(value))
                if problem is not None:
                    problems.append(f"variants/{label}: {problem}")
    for namespace, info in providers.items():
        if not isinstance(info, Mapping):
            continue
        install_time = info.get("install-time", True)
        if install_time and not info.get("requires"):
            # PEP 817 "Provider information", exception 1.
            problems.append(
                f"providers/{namespace}: an install-time provider must list at least one"
                " requirement in requires"
            )
        if not install_time and namespace not in static and kind != "pyproject":
            # PEP 817 "Static properties": "MUST contain namespaces for all AoT providers".
            problems.append(
                f"static-properties: missing namespace {namespace} of an ahead-of-time provider"
            )
    feature_order = priorities.get("feature", {})
    for namespace, features in static.items():
        if isinstance(features, Mapping) and len(features) > 1:
            listed = set(feature_order.get(namespace, []))
            if not set(features) <= listed:
                # PEP 817 "Static properties": "If more than one feature is specified
                # for a namespace, then the order for all features MUST be specified".
                problems.append(
                    f"default-priorities/feature/{namespace}: must order every feature of"
                    f" static-properties/{namespace}"
                )
    return problems


def variant_json_problems(
    doc: Mapping[str, Any],
    *,
    source: str,
    kind: Kind = "any",
    strict: bool = True,
) -> tuple[SchemaChoice, list[str]]:
    """Every problem in *doc*, as ``field: message`` strings, and the schema chosen.

    *kind* is ``"wheel"`` for a ``variant.json`` (exactly one ``variants``
    entry), ``"index"`` for ``*-variants.json``, ``"lock"`` for a
    ``[packages.variants-json]`` table. With *strict*, rules a consumer may
    overlook (lexically sorted value lists) are checked too.
    """
    if not isinstance(doc, Mapping):
        raise InvalidVariantMetadata(f"{source}: variant metadata must be a JSON object")
    choice = choose_schema(doc.get("$schema"), source=source)
    schema = load_schema(choice.format, choice.schema_version)
    checked = _known_keys_only(doc, schema) if choice.newer_minor else doc
    problems = _schema_problems(checked, schema)
    if not problems:
        problems = _semantic_problems(checked, choice, kind, strict)
    return choice, problems


def validate_variant_json(
    doc: Mapping[str, Any],
    *,
    source: str,
    kind: Kind = "any",
    strict: bool = True,
) -> SchemaChoice:
    """Raise :class:`InvalidVariantMetadata` naming *source* and the first bad field."""
    choice, problems = variant_json_problems(doc, source=source, kind=kind, strict=strict)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidVariantMetadata(f"{source}: {problems[0]}{more}")
    return choice
