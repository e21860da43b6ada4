"""The PEP 817 "Provider plugin API" protocols, and the config class our plugins return.

PEP 817, "Plugin interface": a plugin "MUST define" ``namespace`` and ``is_aot_plugin``
(default ``False``) and provide ``get_all_configs()`` and ``get_supported_configs()``,
each returning "variant feature configs" with ``name``, ``multi_value`` and ``values``.
This module imports nothing beyond the standard library: it is on the selection path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@runtime_checkable
class VariantFeatureConfigType(Protocol):
    """PEP 817 "Variant feature config class": one feature and its values."""

    @property
    def name(self) -> str: ...

    @property
    def multi_value(self) -> bool: ...

    @property
    def values(self) -> list[str]: ...


class PluginType(Protocol):
    """PEP 817 "Plugin interface"; ``is_aot_plugin`` is optional and read with ``getattr``."""

    @property
    def namespace(self) -> str: ...

    def get_all_configs(self) -> Sequence[VariantFeatureConfigType]: ...

    def get_supported_configs(self) -> Sequence[VariantFeatureConfigType]: ...


class EvidencePlugin(PluginType, Protocol):
    """Extension (beyond PEP 817): a plugin that can say why each property is supported.

    ``get_evidence()`` maps ``feature :: value`` to the facts that made it supported,
    for ``wheelnext variants detect``. Third-party plugins need not implement it.
    """

    def get_evidence(self) -> Mapping[str, Sequence[str]]: ...


@dataclass(frozen=True)
class VariantFeatureConfig:
    """A plain implementation of :class:`VariantFeatureConfigType` (PEP 817 example)."""

    name: str
    values: list[str]
    multi_value: bool = False


@dataclass(frozen=True)
class Detection:
    """What a built-in provider found: ordered configs plus the evidence for each value."""

    configs: list[VariantFeatureConfig]
    evidence: dict[str, list[str]] = field(default_factory=dict)


def evidence_key(feature: str, value: str) -> str:
    """The key used in evidence mappings: ``feature :: value``."""
    return f"{feature} :: {value}"
