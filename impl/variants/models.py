"""Models of ``variant.json`` and ``{name}-{version}-variants.json`` (PEP 825 and PEP 817).

One class, :class:`VariantMetadata`, holds either format; ``$schema`` picks
which (:mod:`wheelnext.variants.schema`). The PEP 817-only keys
(``providers``, ``static-properties``, ``default-priorities.feature`` and
``.property``) are empty for PEP 825 metadata.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wheelnext.variants.combine import canonical_properties
from wheelnext.variants.errors import InvalidVariantMetadata
from wheelnext.variants.properties import VariantProperty, iter_properties
from wheelnext.variants.schema import Format, Kind, SchemaChoice, validate_variant_json

VARIANT_JSON = "variant.json"


@dataclass(frozen=True)
class ProviderInfo:
    """A PEP 817 ``providers.{namespace}`` entry ("Provider information")."""

    requires: tuple[str, ...] = ()
    enable_if: str | None = None
    install_time: bool = True
    optional: bool = False
    plugin_api: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProviderInfo:
        return cls(
            tuple(data.get("requires", ())),
            data.get("enable-if"),
            bool(data.get("install-time", True)),
            bool(data.get("optional", False)),
            data.get("plugin-api"),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.enable_if is not None:
            out["enable-if"] = self.enable_if
        if not self.install_time:
            out["install-time"] = False
        if self.optional:
            out["optional"] = True
        if self.plugin_api is not None:
            out["plugin-api"] = self.plugin_api
        if self.requires or self.install_time:
            out["requires"] = list(self.requires)
        return out


@dataclass(frozen=True)
class VariantMetadata:
    """Validated variant metadata of either format."""

    schema_url: str
    format: Format
    namespaces: tuple[str, ...]
    variants: dict[str, dict[str, dict[str, list[str]]]]
    feature_priorities: dict[str, list[str]] = field(default_factory=dict)
    property_priorities: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    providers: dict[str, ProviderInfo] = field(default_factory=dict)
    static_properties: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @classmethod
    def from_json(
        cls, doc: Mapping[str, Any], *, source: str, kind: Kind = "any", strict: bool = True
    ) -> VariantMetadata:
        """Validate *doc* (schema and PEP rules) and build the model."""
        choice: SchemaChoice = validate_variant_json(doc, source=source, kind=kind, strict=strict)
        priorities = doc["default-priorities"]
        return cls(
            doc["$schema"],
            choice.format,
            tuple(priorities["namespace"]),
            {label: canonical_properties(props) for label, props in doc["variants"].items()},
            {ns: list(v) for ns, v in priorities.get("feature", {}).items()},
            {
                ns: {f: list(v) for f, v in fs.items()}
                for ns, fs in priorities.get("property", {}).items()
            },
            {ns: ProviderInfo.from_json(p) for ns, p in doc.get("providers", {}).items()},
            {
                ns: {f: list(v) for f, v in fs.items()}
                for ns, fs in doc.get("static-properties", {}).items()
            },
        )

    @classmethod
    def from_file(cls, path: Path, *, kind: Kind = "any") -> VariantMetadata:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidVariantMetadata(f"{path}: cannot read JSON: {exc}") from None
        return cls.from_json(doc, source=str(path), kind=kind)

    def to_json(self) -> dict[str, Any]:
        """The document, keys in the PEP's order, ready for ``json.dumps``."""
        priorities: dict[str, Any] = {"namespace": list(self.namespaces)}
        if self.feature_priorities:
            priorities["feature"] = self.feature_priorities
        if self.property_priorities:
            priorities["property"] = self.property_priorities
        doc: dict[str, Any] = {"$schema": self.schema_url, "default-priorities": priorities}
        if self.format == "pep817":
            doc["providers"] = {ns: p.to_json() for ns, p in self.providers.items()}
            if self.static_properties:
                doc["static-properties"] = self.static_properties
        doc["variants"] = {label: self.variants[label] for label in sorted(self.variants)}
        return doc

    def properties_of(self, label: str) -> list[VariantProperty]:
        """The label's properties, expanded to triples."""
        return list(iter_properties(self.variants[label]))

    @property
    def labels(self) -> list[str]:
        return sorted(self.variants)


def dumps(doc: Mapping[str, Any]) -> str:
    """Serialize variant metadata deterministically (two-space indent, trailing newline)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
